start-title = Soziales Rezept
start-heading = Lotse: das Soziale Rezept mit geschlossenem Kreislauf
start-lead = Eine Hausärztin oder ein Psychotherapeut stellt ein Soziales Rezept aus. Eine Lotsin macht daraus einen Plan und eine echte Verbindung zu Angeboten im Quartier. Die verordnende Praxis sieht jeden Schritt, und das Programm kann zeigen, was es bewirkt.
start-step-prescribe = Die Praxis stellt ein Soziales Rezept mit Code aus.
start-step-link = Eine Lotsin meldet sich und fragt, was der Person wichtig ist.
start-step-connect = Gemeinsam wählen sie Angebote im Quartier und vereinbaren einen Plan.
start-step-follow = Alle Beteiligten sehen, wie es läuft – bis der Fall abgeschlossen ist.
start-programmes = Programme in dieser Installation
start-no-programmes = Noch ist kein Programm eingerichtet.
start-areas = { $count ->
    [one] ein Gebiet
   *[other] { $count } Gebiete
}
start-offers = { $count ->
    [one] ein veröffentlichtes Angebot
   *[other] { $count } veröffentlichte Angebote
}
