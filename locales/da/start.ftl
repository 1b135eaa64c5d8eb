start-title = Sociale henvisninger
start-heading = Lotse: sociale henvisninger med lukket kredsløb
start-lead = En praktiserende læge henviser til fællesskaber og aktiviteter i lokalsamfundet. En social navigatør gør henvisningen til en plan og en reel forbindelse til lokale tilbud. Lægen kan følge hvert skridt, og programmet kan vise, hvad det opnår.
start-step-prescribe = Lægen udsteder en social henvisning med en kode.
start-step-link = En social navigatør tager kontakt og spørger, hvad der betyder noget for borgeren.
start-step-connect = Sammen vælger de lokale tilbud og aftaler en plan.
start-step-follow = Alle involverede kan se, hvordan det går, indtil forløbet afsluttes.
start-programmes = Programmer på denne installation
start-no-programmes = Der er endnu ikke oprettet et program.
start-areas = { $count ->
    [one] ét område
   *[other] { $count } områder
}
start-offers = { $count ->
    [one] ét offentliggjort tilbud
   *[other] { $count } offentliggjorte tilbud
}
