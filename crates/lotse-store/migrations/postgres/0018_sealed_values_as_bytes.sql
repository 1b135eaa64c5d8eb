-- Why: size (issue 12 §7; BENCHMARKS.md, "size, second round"). A sealed value is stored as its
-- bytes, `1 ‖ length of the key id ‖ key id ‖ nonce ‖ ciphertext ‖ tag`, instead of the text
-- `enc1:<key id>:<hex>` (twice as long): the four identity columns of patient_identity and the
-- TOTP secret of user_second_factor. A value found unsealed (written before encryption) becomes
-- `0 ‖ its UTF-8`, which `DataKeys::open` refuses and `lotse keys rotate` seals, as before.
-- The conversion is done here, without keys: it only re-encodes what is stored. Each column is
-- converted by the same expression: `enc1:<id>:<hex>` becomes 1, the id's length, the id and
-- the hex's bytes; anything else is plain text and becomes 0 and its bytes.
alter table patient_identity
    alter column given_name type bytea using case
        when given_name like 'enc1:%' then '\x01'::bytea
            || set_byte('\x00'::bytea, 0, length(split_part(given_name, ':', 2)))
            || convert_to(split_part(given_name, ':', 2), 'UTF8')
            || decode(split_part(given_name, ':', 3), 'hex')
        else '\x00'::bytea || convert_to(given_name, 'UTF8')
    end,
    alter column family_name type bytea using case
        when family_name like 'enc1:%' then '\x01'::bytea
            || set_byte('\x00'::bytea, 0, length(split_part(family_name, ':', 2)))
            || convert_to(split_part(family_name, ':', 2), 'UTF8')
            || decode(split_part(family_name, ':', 3), 'hex')
        else '\x00'::bytea || convert_to(family_name, 'UTF8')
    end,
    alter column birth_date type bytea using case
        when birth_date like 'enc1:%' then '\x01'::bytea
            || set_byte('\x00'::bytea, 0, length(split_part(birth_date, ':', 2)))
            || convert_to(split_part(birth_date, ':', 2), 'UTF8')
            || decode(split_part(birth_date, ':', 3), 'hex')
        else '\x00'::bytea || convert_to(birth_date, 'UTF8')
    end,
    alter column phone type bytea using case
        when phone like 'enc1:%' then '\x01'::bytea
            || set_byte('\x00'::bytea, 0, length(split_part(phone, ':', 2)))
            || convert_to(split_part(phone, ':', 2), 'UTF8')
            || decode(split_part(phone, ':', 3), 'hex')
        else '\x00'::bytea || convert_to(phone, 'UTF8')
    end;
alter table user_second_factor
    alter column secret type bytea using case
        when secret like 'enc1:%' then '\x01'::bytea
            || set_byte('\x00'::bytea, 0, length(split_part(secret, ':', 2)))
            || convert_to(split_part(secret, ':', 2), 'UTF8')
            || decode(split_part(secret, ':', 3), 'hex')
        else '\x00'::bytea || convert_to(secret, 'UTF8')
    end;
