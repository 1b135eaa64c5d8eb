# Arket "Social henvisning" til borgeren. Enkelt sprog, korte sætninger. Ingen
# helbredsoplysninger: arket kan blive væk.
# Variabler: $date (allerede formateret), $practice (navnet på den henvisende praksis).
sheet-title = Social henvisning
sheet-code-label = Din kode
sheet-issued = Udstedt den { $date } af { $practice }
sheet-next-heading = Hvad sker der nu?
sheet-next-referred = Din læge har henvist dig til tilbuddet nedenfor. Der får du hjælp til at finde aktiviteter, fællesskaber og rådgivning tæt på dig.
sheet-next-contact = De kontakter dig inden for de næste par dage. Hvis du ikke har hørt fra dem efter to uger, så ring gerne selv til dem.
sheet-next-self = Din læge anbefaler dig tilbuddet nedenfor. Kontakt dem selv: Der får du hjælp til at finde aktiviteter, fællesskaber og rådgivning tæt på dig.
sheet-next-bring = Tag dette ark eller din kode med til det første møde. Du kan også oplyse koden i telefonen.
sheet-contact-heading = Her kan du henvende dig
sheet-phone = Telefon
sheet-hours = Åbningstider
sheet-privacy = Der står ingen helbredsoplysninger på dette ark. Hvis du mister det, kan du bede din læge om et nyt.
# Handlingsplanen til personen (med personens egne ord; den tilhører personen).
plan-title = Min plan
plan-written = Aftalt den { $date } med { $worker }, { $facility } (version { $version })
plan-goals = Det er vigtigt for mig
plan-milestones = Mine næste skridt
plan-step = Skridt
plan-by = Senest
plan-obstacles = Hvad kan blive svært – og hvad hjælper
plan-review = Vi taler om det igen den { $date }.
plan-privacy = Denne plan tilhører dig. Pas godt på den; den indeholder dine personlige mål.
# The consents the person gave (read to them before; printed for them to keep). $version: the
# version of the consent texts.
sheet-consent-heading = Dine samtykker
sheet-consent-transfer = Jeg fritager min praksis fra tavshedspligten, for så vidt den sender mit navn, min fødselsdato, mit telefonnummer og anledningen til henvisningen til henvisningsstedet.
sheet-consent-care = Jeg er indforstået med, at en social navigatør ringer til mig og hjælper mig med at finde passende tilbud.
sheet-consent-research = Jeg er indforstået med, at mine oplysninger uden mit navn bruges til evaluering af programmet.
sheet-consent-version = Version { $version }. Du kan til enhver tid trække et samtykke tilbage: hos din praksis eller dit henvisningssted.
