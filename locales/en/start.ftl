start-title = Social prescribing
start-heading = Lotse: social prescribing with a closed loop
start-lead = A GP or psychotherapist prescribes community support. A link worker turns the prescription into a plan and a real connection to local offers. The prescriber sees every step, and the programme can show what it achieves.
start-step-prescribe = The practice issues a social prescription with a code.
start-step-link = A link worker gets in touch and asks what matters to the person.
start-step-connect = Together they choose local offers and agree a plan.
start-step-follow = Everyone involved sees how it is going, until the case is closed.
start-programmes = Programmes on this installation
start-no-programmes = No programme has been set up yet.
start-areas = { $count ->
    [one] one area
   *[other] { $count } areas
}
start-offers = { $count ->
    [one] one published offer
   *[other] { $count } published offers
}
