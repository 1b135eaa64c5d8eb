# Das Blatt „Soziales Rezept“ für die Person. Einfache Sprache, kurze Sätze. Keine
# Gesundheitsdaten: Das Blatt kann verloren gehen.
# Variablen: $date (schon formatiert), $practice (Name der überweisenden Praxis).
sheet-title = Soziales Rezept
sheet-code-label = Ihr Code
sheet-issued = Ausgestellt am { $date } von { $practice }
sheet-next-heading = Wie geht es weiter?
sheet-next-referred = Ihre Praxis hat Sie an die unten genannte Lotsenstelle vermittelt. Dort hilft man Ihnen, Angebote, Gruppen und Beratung in Ihrer Nähe zu finden.
sheet-next-contact = Die Lotsenstelle meldet sich in den nächsten Tagen bei Ihnen. Wenn Sie nach zwei Wochen nichts gehört haben, rufen Sie bitte selbst dort an.
sheet-next-self = Ihre Praxis empfiehlt Ihnen die unten genannte Lotsenstelle. Bitte melden Sie sich dort selbst: Dort hilft man Ihnen, Angebote, Gruppen und Beratung in Ihrer Nähe zu finden.
sheet-next-bring = Bringen Sie dieses Blatt oder Ihren Code zum ersten Treffen mit. Sie können den Code auch am Telefon nennen.
sheet-contact-heading = Ihre Lotsenstelle
sheet-phone = Telefon
sheet-hours = Öffnungszeiten
sheet-privacy = Auf diesem Blatt stehen keine Gesundheitsdaten. Wenn Sie es verlieren, fragen Sie Ihre Praxis nach einem neuen.
# Der Aktionsplan für die Person (ihre eigenen Worte; er gehört ihr).
# Variablen: $date (formatiert), $worker (Name der Lotsin/des Lotsen), $facility, $version.
plan-title = Mein Plan
plan-written = Vereinbart am { $date } mit { $worker }, { $facility } (Fassung { $version })
plan-goals = Was mir wichtig ist
plan-milestones = Meine nächsten Schritte
plan-step = Schritt
plan-by = Bis
plan-obstacles = Was schwierig werden kann – und was hilft
plan-review = Wir sprechen am { $date } wieder darüber.
plan-privacy = Dieser Plan gehört Ihnen. Bewahren Sie ihn gut auf; er enthält Ihre persönlichen Ziele.
# The consents the person gave (read to them before; printed for them to keep). $version: the
# version of the consent texts.
sheet-consent-heading = Ihre Einwilligungen
sheet-consent-transfer = Ich entbinde meine Praxis von der Schweigepflicht, soweit sie der Lotsenstelle meinen Namen, mein Geburtsdatum, meine Telefonnummer und den Anlass dieses Rezepts übermittelt.
sheet-consent-care = Ich bin einverstanden, dass eine Lotsin oder ein Lotse mich anruft und mich begleitet, passende Angebote zu finden.
sheet-consent-research = Ich bin einverstanden, dass meine Angaben ohne meinen Namen für die Auswertung des Programms genutzt werden.
sheet-consent-version = Fassung { $version }. Sie können jede Einwilligung jederzeit widerrufen: bei Ihrer Praxis oder Ihrer Lotsenstelle.
