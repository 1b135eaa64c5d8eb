skip-to-content = Gå til indholdet
nav-label = Hovednavigation
nav-start = Start
nav-programme = Mit program
nav-login = Log ind
nav-logout = Log ud
language-label = Sprog
footer-text = Lotse er open source-software til sociale henvisninger. Demodata er opdigtede.
error-back = Tilbage til forsiden
error-not-found-title = Siden blev ikke fundet
error-not-found = Der er ingen side på denne adresse.
error-bad-request-title = Forespørgslen blev ikke forstået
error-bad-request = Forespørgslen kunne ikke læses. Kontrollér dine oplysninger, og prøv igen.
error-unauthorized-title = Log venligst ind
error-unauthorized = Denne side er kun tilgængelig, når du er logget ind.
error-payload-too-large-title = Forespørgslen er for stor
error-payload-too-large = Forespørgslen var større end tilladt.
error-internal-title = Noget gik galt
error-internal = Der opstod en uventet fejl. Den er logget; prøv igen senere.
error-unavailable-title = Midlertidigt utilgængelig
error-unavailable = Databasen kan ikke nås lige nu. Prøv igen om et øjeblik.
role-prescriber = Henvisende læge
role-link-worker = Social navigatør
role-offer-provider = Tilbudsudbyder
role-coordinator = Programkoordinator
role-evaluator = Evaluator
role-outcome-payer = Resultatbetaler
error-forbidden-title = Ikke tilladt
error-forbidden = Forespørgslen blev afvist. Hvis du har sendt en formular, så genindlæs siden og prøv igen.
error-too-many-title = For mange forsøg
error-too-many = For mange mislykkede login-forsøg på denne konto. Vent et par minutter, og prøv igen.
error-second-factor-locked = For mange forkerte koder til denne konto: den anden faktor er spærret. Bed din programkoordinator om at låse den op.
error-conflict-title = Allerede ændret
error-conflict = Denne post er blevet ændret i mellemtiden, eller ændringen var allerede foretaget. Genindlæs siden for at se den aktuelle status.
nav-offers = Tilbud
nav-cases = Arbejdsliste
nav-people = Databeskyttelse
nav-inbox = Nyheder
inbox-title = Nyheder
inbox-new-since = { $count ->
    [0] Intet nyt siden du sidst kiggede { $since }.
    [one] 1 nyhed siden du sidst kiggede { $since }.
   *[other] { $count } nyheder siden du sidst kiggede { $since }.
}
inbox-new-first = { $count ->
    [0] Der er endnu ikke sket noget.
    [one] 1 nyhed.
   *[other] { $count } nyheder.
}
inbox-empty = Her vises det, der er nyt for dig: hvad der sker med din enheds henvisninger og formidlinger, for koordinatorer hvad andre ændrer i programmets tilbud.
inbox-new-tag = ny
inbox-link = Se
inbox-open = åbn
