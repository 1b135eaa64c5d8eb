-- Why: size (issue 12 §7; BENCHMARKS.md, "size, second round"). A sealed value is stored as its
-- bytes, `1 ‖ length of the key id ‖ key id ‖ nonce ‖ ciphertext ‖ tag`, instead of the text
-- `enc1:<key id>:<hex>` (twice as long): the four identity columns of patient_identity and the
-- TOTP secret of user_second_factor. A value found unsealed (written before encryption) becomes
-- `0 ‖ its UTF-8`, which `DataKeys::open` refuses and `lotse keys rotate` seals, as before.
-- The conversion is done here, without keys: it only re-encodes what is stored, by one function
-- for every column (dropped again at the end): `enc1:<id>:<hex>` becomes 1, the id's length, the
-- id and the hex's bytes; anything else is plain text and becomes 0 and its bytes.
create function pg_temp.sealed_bytes(stored text) returns bytea language sql immutable as $$
    select case
        when stored like 'enc1:%' then '\x01'::bytea
            || set_byte('\x00'::bytea, 0, length(split_part(stored, ':', 2)))
            || convert_to(split_part(stored, ':', 2), 'UTF8')
            || decode(split_part(stored, ':', 3), 'hex')
        else '\x00'::bytea || convert_to(stored, 'UTF8')
    end
$$;
alter table patient_identity
    alter column given_name type bytea using pg_temp.sealed_bytes(given_name),
    alter column family_name type bytea using pg_temp.sealed_bytes(family_name),
    alter column birth_date type bytea using pg_temp.sealed_bytes(birth_date),
    alter column phone type bytea using pg_temp.sealed_bytes(phone);
alter table user_second_factor
    alter column secret type bytea using pg_temp.sealed_bytes(secret);
drop function pg_temp.sealed_bytes(text);
