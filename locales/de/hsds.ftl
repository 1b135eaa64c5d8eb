# /hsds: das Angebotsverzeichnis als Open-Referral-HSDS-3.0-Schnittstelle.
hsds-not-found = In den öffentlichen Verzeichnissen gibt es kein solches veröffentlichtes Angebot, keinen solchen Träger und keine solche Taxonomie.
hsds-taxonomy-lotse-need-domain = Bedarfsbereiche
hsds-taxonomy-lotse-need-domain-description = Wobei eine Person Unterstützung braucht (Bedarfsbereiche von Lotse).
hsds-taxonomy-lotse-category = Kategorien
hsds-taxonomy-lotse-category-description = Welche Art Angebot es ist.
hsds-taxonomy-lotse-target-group = Zielgruppen
hsds-taxonomy-lotse-target-group-description = Für wen ein Angebot gedacht ist.
hsds-taxonomy-lotse-accessibility = Barrierefreiheit
hsds-taxonomy-lotse-accessibility-description = Was Ort und Termine eines Angebots barrierefrei macht.
hsds-error-query = { $field } ist nicht lesbar: Die Abfrage muss aus URL-kodierten UTF-8-Paaren name=wert bestehen.
hsds-error-twice = { $field } ist mehrfach angegeben.
hsds-error-integer = { $field } muss eine ganze Zahl von { $min } bis { $max } sein.
hsds-error-boolean = { $field } muss true oder false sein.
hsds-error-uuid = { $field } muss eine Kennung sein (eine UUID wie 3fa85f64-5717-4562-b3fc-2c963f66afa6).
hsds-error-datetime = { $field } muss ein Zeitpunkt wie 2026-12-01T00:00:00Z oder ein Datum wie 2026-12-01 sein.
hsds-error-time = { $field } muss eine Uhrzeit wie 14:00 oder 14:00:00 sein.
hsds-error-day = { $field } muss ein Wochentag sein: MO, TU, WE, TH, FR, SA oder SU.
hsds-error-format = { $field } muss json oder ndjson sein.
hsds-error-too-long = { $field } ist länger als { $max } Zeichen.
hsds-error-term = { $field } nennt keinen Begriff dieses Verzeichnisses; /hsds/taxonomy_terms listet sie auf.
hsds-error-taxonomy = { $field } nennt keine Taxonomie dieses Verzeichnisses; /hsds/taxonomies listet sie auf.
hsds-error-unknown-postcode = { $field }: Diese Postleitzahl ist in keinem öffentlichen Verzeichnis bekannt.
hsds-error-bad-postcode = { $field } ist keine Postleitzahl.
hsds-error-proximity-needs-postcode = { $field } braucht eine Postleitzahl, von der aus gemessen wird.
