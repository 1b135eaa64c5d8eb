# /hsds: the directory as an Open Referral HSDS 3.0 feed.
hsds-not-found = There is no such listed offer, organisation or taxonomy in the public directories.
hsds-taxonomy-lotse-need-domain = Need domains
hsds-taxonomy-lotse-need-domain-description = What a person needs support with (Lotse's need domains).
hsds-taxonomy-lotse-category = Categories
hsds-taxonomy-lotse-category-description = What kind of offer it is.
hsds-taxonomy-lotse-target-group = Target groups
hsds-taxonomy-lotse-target-group-description = Whom an offer is for.
hsds-taxonomy-lotse-accessibility = Accessibility
hsds-taxonomy-lotse-accessibility-description = What makes an offer's place and sessions accessible.
hsds-error-query = { $field } cannot be read: the query string must be URL-encoded UTF-8 name=value pairs.
hsds-error-twice = { $field } is given more than once.
hsds-error-integer = { $field } must be a whole number from { $min } to { $max }.
hsds-error-boolean = { $field } must be true or false.
hsds-error-uuid = { $field } must be an id (a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6).
hsds-error-datetime = { $field } must be a date and time such as 2026-12-01T00:00:00Z, or a date such as 2026-12-01.
hsds-error-time = { $field } must be a time such as 14:00 or 14:00:00.
hsds-error-day = { $field } must be a weekday: MO, TU, WE, TH, FR, SA or SU.
hsds-error-format = { $field } must be json or ndjson.
hsds-error-too-long = { $field } is longer than { $max } characters.
hsds-error-term = { $field } names no taxonomy term of this directory; /hsds/taxonomy_terms lists them.
hsds-error-taxonomy = { $field } names no taxonomy of this directory; /hsds/taxonomies lists them.
hsds-error-unknown-postcode = { $field }: this postcode is not known in any public directory.
hsds-error-bad-postcode = { $field } is not a postcode.
hsds-error-proximity-needs-postcode = { $field } needs a postcode to measure from.
