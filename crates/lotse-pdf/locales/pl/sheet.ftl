# Kartka „Recepta społeczna” dla pacjenta. Prosty język, krótkie zdania. Żadnych danych
# o zdrowiu: kartka może zginąć.
# Zmienne: $date (już sformatowana), $practice (nazwa kierującej praktyki).
sheet-title = Recepta społeczna
sheet-code-label = Twój kod
sheet-issued = Wystawiono: { $date } · { $practice }
sheet-next-heading = Co dalej?
sheet-next-referred = Twój lekarz skierował Cię do punktu wsparcia podanego poniżej. Pomogą Ci tam znaleźć zajęcia, grupy i porady w Twojej okolicy.
sheet-next-contact = Punkt wsparcia skontaktuje się z Tobą w ciągu najbliższych dni. Jeśli w ciągu dwóch tygodni nikt się nie odezwie, zadzwoń tam samodzielnie.
sheet-next-self = Twój lekarz poleca Ci punkt wsparcia podany poniżej. Zgłoś się tam samodzielnie: pomogą Ci znaleźć zajęcia, grupy i porady w Twojej okolicy.
sheet-next-bring = Przynieś tę kartkę lub swój kod na pierwsze spotkanie. Kod możesz też podać przez telefon.
sheet-contact-heading = Gdzie się zgłosić
sheet-phone = Telefon
sheet-hours = Godziny otwarcia
sheet-privacy = Na tej kartce nie ma danych o zdrowiu. Jeśli ją zgubisz, poproś lekarza o nową.
# Plan działania dla osoby (jej własnymi słowami; należy do niej).
plan-title = Mój plan
plan-written = Uzgodniono { $date } z { $worker }, { $facility } (wersja { $version })
plan-goals = Co jest dla mnie ważne
plan-milestones = Moje następne kroki
plan-step = Krok
plan-by = Do
plan-obstacles = Co może przeszkodzić – i co pomoże
plan-review = Porozmawiamy o tym ponownie { $date }.
plan-privacy = Ten plan należy do Ciebie. Przechowuj go starannie; zawiera Twoje osobiste cele.
# The consents the person gave (read to them before; printed for them to keep). $version: the
# version of the consent texts.
sheet-consent-heading = Twoje zgody
sheet-consent-transfer = Zwalniam moją praktykę z tajemnicy lekarskiej w zakresie, w jakim przekazuje punktowi wsparcia moje imię i nazwisko, datę urodzenia, numer telefonu oraz powód tej recepty.
sheet-consent-care = Zgadzam się, aby pracownik punktu wsparcia do mnie zadzwonił i pomógł mi znaleźć odpowiednie zajęcia.
sheet-consent-research = Zgadzam się, aby moje dane bez mojego nazwiska były wykorzystywane do oceny programu.
sheet-consent-version = Wersja { $version }. Każdą zgodę możesz w dowolnej chwili wycofać: w swojej praktyce lub w punkcie wsparcia.
