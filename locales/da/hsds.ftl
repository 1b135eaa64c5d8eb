# /hsds: tilbudsoversigten som Open Referral HSDS 3.0-grænseflade.
hsds-not-found = Der er intet sådant offentliggjort tilbud, ingen sådan organisation og ingen sådan taksonomi i de offentlige oversigter.
hsds-taxonomy-lotse-need-domain = Behovsområder
hsds-taxonomy-lotse-need-domain-description = Hvad en person har brug for støtte til (Lotses behovsområder).
hsds-taxonomy-lotse-category = Kategorier
hsds-taxonomy-lotse-category-description = Hvilken slags tilbud det er.
hsds-taxonomy-lotse-target-group = Målgrupper
hsds-taxonomy-lotse-target-group-description = Hvem et tilbud er til.
hsds-taxonomy-lotse-accessibility = Tilgængelighed
hsds-taxonomy-lotse-accessibility-description = Hvad der gør et tilbuds sted og tider tilgængelige.
hsds-error-query = { $field } kan ikke læses: forespørgslen skal bestå af URL-kodede UTF-8-par navn=værdi.
hsds-error-twice = { $field } er angivet mere end én gang.
hsds-error-integer = { $field } skal være et helt tal fra { $min } til { $max }.
hsds-error-boolean = { $field } skal være true eller false.
hsds-error-uuid = { $field } skal være et id (et UUID som 3fa85f64-5717-4562-b3fc-2c963f66afa6).
hsds-error-datetime = { $field } skal være et tidspunkt som 2026-12-01T00:00:00Z eller en dato som 2026-12-01.
hsds-error-time = { $field } skal være et klokkeslæt som 14:00 eller 14:00:00.
hsds-error-day = { $field } skal være en ugedag: MO, TU, WE, TH, FR, SA eller SU.
hsds-error-format = { $field } skal være json eller ndjson.
hsds-error-too-long = { $field } er længere end { $max } tegn.
hsds-error-term = { $field } angiver intet begreb i denne oversigt; /hsds/taxonomy_terms viser dem.
hsds-error-taxonomy = { $field } angiver ingen taksonomi i denne oversigt; /hsds/taxonomies viser dem.
hsds-error-unknown-postcode = { $field }: dette postnummer kendes ikke i nogen offentlig oversigt.
hsds-error-bad-postcode = { $field } er ikke et postnummer.
hsds-error-proximity-needs-postcode = { $field } kræver et postnummer at måle fra.
