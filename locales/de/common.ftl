skip-to-content = Zum Inhalt springen
nav-label = Hauptnavigation
nav-start = Start
nav-programme = Mein Programm
nav-login = Anmelden
nav-logout = Abmelden
language-label = Sprache
footer-text = Lotse ist Open-Source-Software für das Soziale Rezept. Die Demodaten sind erfunden.
error-back = Zurück zur Startseite
error-not-found-title = Seite nicht gefunden
error-not-found = Unter dieser Adresse gibt es keine Seite.
error-bad-request-title = Anfrage nicht verstanden
error-bad-request = Die Anfrage konnte nicht gelesen werden. Bitte prüfen Sie Ihre Eingabe und versuchen Sie es erneut.
error-unauthorized-title = Bitte melden Sie sich an
error-unauthorized = Diese Seite ist erst nach der Anmeldung verfügbar.
error-payload-too-large-title = Anfrage zu groß
error-payload-too-large = Die Anfrage war größer als erlaubt.
error-internal-title = Etwas ist schiefgelaufen
error-internal = Ein unerwarteter Fehler ist aufgetreten. Er wurde protokolliert; bitte versuchen Sie es später erneut.
error-unavailable-title = Vorübergehend nicht erreichbar
error-unavailable = Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.
role-prescriber = Verordnende Praxis
role-link-worker = Lotsin / Lotse
role-offer-provider = Anbieter
role-coordinator = Programmkoordination
role-evaluator = Evaluation
role-outcome-payer = Kostenträger
error-forbidden-title = Nicht erlaubt
error-forbidden = Diese Anfrage wurde abgelehnt. Wenn Sie ein Formular abgeschickt haben, laden Sie die Seite neu und versuchen Sie es erneut.
error-too-many-title = Zu viele Versuche
error-too-many = Zu viele fehlgeschlagene Anmeldungen für dieses Konto. Bitte warten Sie einige Minuten und versuchen Sie es erneut.
error-second-factor-locked = Zu viele falsche Codes für dieses Konto: Der zweite Faktor ist gesperrt. Bitte lassen Sie ihn von Ihrer Programmkoordination entsperren.
error-conflict-title = Bereits geändert
error-conflict = Dieser Datensatz wurde inzwischen geändert, oder die Änderung war schon erfolgt. Laden Sie die Seite neu, um den aktuellen Stand zu sehen.
nav-offers = Angebote
nav-cases = Arbeitsliste
nav-people = Datenschutz
nav-inbox = Neuigkeiten
inbox-title = Neuigkeiten
inbox-new-since = { $count ->
    [0] Nichts Neues seit Ihrem letzten Blick am { $since }.
    [one] 1 Neuigkeit seit Ihrem letzten Blick am { $since }.
   *[other] { $count } Neuigkeiten seit Ihrem letzten Blick am { $since }.
}
inbox-new-first = { $count ->
    [0] Noch nichts geschehen.
    [one] 1 Neuigkeit.
   *[other] { $count } Neuigkeiten.
}
inbox-empty = Hier erscheint, was für Sie neu ist: was bei den Überweisungen und Vermittlungen Ihrer Einrichtung geschieht, für die Koordination was andere an den Angeboten des Programms ändern.
inbox-new-tag = neu
inbox-link = Ansehen
inbox-open = öffnen
