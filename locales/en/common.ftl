skip-to-content = Skip to content
nav-label = Main navigation
nav-start = Start
nav-programme = My programme
nav-login = Sign in
nav-logout = Sign out
language-label = Language
footer-text = Lotse is open-source software for social prescribing. Demo data is fictitious.
error-back = Back to the start page
error-not-found-title = Page not found
error-not-found = There is no page at this address.
error-bad-request-title = Request not understood
error-bad-request = The request could not be read. Please check your input and try again.
error-unauthorized-title = Please sign in
error-unauthorized = This page is only available after signing in.
error-payload-too-large-title = Request too large
error-payload-too-large = The request was larger than allowed.
error-internal-title = Something went wrong
error-internal = An unexpected error occurred. It has been logged; please try again later.
error-unavailable-title = Temporarily unavailable
error-unavailable = The database cannot be reached right now. Please try again in a moment.
role-prescriber = Prescriber
role-link-worker = Link worker
role-offer-provider = Offer provider
role-coordinator = Programme coordinator
role-evaluator = Evaluator
role-outcome-payer = Outcome payer
error-forbidden-title = Not allowed
error-forbidden = This request was refused. If you submitted a form, reload the page and try again.
error-too-many-title = Too many attempts
error-too-many = Too many failed sign-ins for this account. Please wait a few minutes and try again.
error-second-factor-locked = Too many wrong codes for this account: its second factor is locked. Please ask your programme coordinator to unlock it.
error-conflict-title = Already changed
error-conflict = This record was changed in the meantime, or the change was already made. Reload the page to see its current state.
nav-offers = Offers
nav-cases = Worklist
nav-people = Data protection
nav-inbox = What's new
inbox-title = What's new
inbox-new-since = { $count ->
    [0] Nothing new since you last looked on { $since }.
    [one] 1 new item since you last looked on { $since }.
   *[other] { $count } new items since you last looked on { $since }.
}
inbox-new-first = { $count ->
    [0] Nothing has happened yet.
    [one] 1 new item.
   *[other] { $count } new items.
}
inbox-empty = What is new for you appears here: what happens to your organisation's referrals and onward referrals; for coordinators, what others change in the programme's offers.
inbox-new-tag = new
inbox-link = Open
inbox-open = open
