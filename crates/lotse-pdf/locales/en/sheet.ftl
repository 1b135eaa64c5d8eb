# The prescription sheet ("Soziales Rezept") handed to the person. Plain language, short
# sentences. No health data on this sheet: it may be lost.
# Variables: $date (already formatted), $practice (name of the referring practice).
sheet-title = Social prescription
sheet-code-label = Your code
sheet-issued = Issued on { $date } by { $practice }
sheet-next-heading = What happens next
sheet-next-referred = Your practice has referred you to the link service below. The people there help you find activities, groups and advice near you.
sheet-next-contact = The link service will contact you in the next few days. If you have not heard from them within two weeks, please call them yourself.
sheet-next-self = Your practice recommends the link service below. Please contact them yourself: the people there help you find activities, groups and advice near you.
sheet-next-bring = Bring this sheet or your code to your first meeting. You can also give the code over the phone.
sheet-contact-heading = Your link service
sheet-phone = Phone
sheet-hours = Opening hours
sheet-privacy = This sheet contains no health information. If you lose it, ask your practice for a new one.
# The action plan for the person (in their own words; it belongs to them).
plan-title = My plan
plan-written = Agreed on { $date } with { $worker }, { $facility } (version { $version })
plan-goals = What matters to me
plan-milestones = My next steps
plan-step = Step
plan-by = By
plan-obstacles = What may get in the way – and what helps
plan-review = We will talk about it again on { $date }.
plan-privacy = This plan belongs to you. Keep it safe; it holds your personal goals.
# The consents the person gave (read to them before; printed for them to keep). $version: the
# version of the consent texts.
sheet-consent-heading = Your consents
sheet-consent-transfer = I release my practice from medical confidentiality so far as it sends my name, date of birth, telephone number and the reason for this prescription to the link service.
sheet-consent-care = I agree that a link worker calls me and helps me find suitable offers.
sheet-consent-research = I agree that my data, without my name, is used to evaluate the programme.
sheet-consent-version = Version { $version }. You can withdraw any consent at any time: at your practice or your link service.
