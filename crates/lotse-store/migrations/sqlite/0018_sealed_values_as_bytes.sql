-- Why: size (issue 12 §7; BENCHMARKS.md, "size, second round"). A sealed value is stored as its
-- bytes, `1 ‖ length of the key id ‖ key id ‖ nonce ‖ ciphertext ‖ tag`, instead of the text
-- `enc1:<key id>:<hex>` (twice as long): the four identity columns of patient_identity and the
-- TOTP secret of user_second_factor. A value found unsealed (written before encryption) becomes
-- `0 ‖ its UTF-8`, which `DataKeys::open` refuses and `lotse keys rotate` seals, as before.
-- The conversion is done here, without keys: it only re-encodes what is stored. Each column is
-- converted by the same expression (SQLite cannot define a function in SQL, so it is written out
-- per column): `enc1:<id>:<hex>` becomes 1, the id's length, the id and
-- the hex's bytes; anything else is plain text and becomes 0 and its bytes.
-- SQLite cannot change a column's type in place: both tables are copied, dropped and their
-- copies renamed (nothing references them).
create table patient_identity_new (
    programme_id blob not null,
    patient_id blob not null,
    given_name blob not null,
    family_name blob not null,
    birth_date blob not null,
    phone blob,
    primary key (programme_id, patient_id),
    foreign key (programme_id, patient_id) references patient (programme_id, patient_id)
);
insert into patient_identity_new (programme_id, patient_id, given_name, family_name, birth_date, phone)
select programme_id, patient_id,
    case
        when given_name is null then null
        when given_name like 'enc1:%' then unhex('01'
            || printf('%02x', length(substr(given_name, 6, instr(substr(given_name, 6), ':') - 1)))
            || hex(substr(given_name, 6, instr(substr(given_name, 6), ':') - 1))
            || substr(given_name, 6 + instr(substr(given_name, 6), ':')))
        else unhex('00' || hex(given_name))
    end,
    case
        when family_name is null then null
        when family_name like 'enc1:%' then unhex('01'
            || printf('%02x', length(substr(family_name, 6, instr(substr(family_name, 6), ':') - 1)))
            || hex(substr(family_name, 6, instr(substr(family_name, 6), ':') - 1))
            || substr(family_name, 6 + instr(substr(family_name, 6), ':')))
        else unhex('00' || hex(family_name))
    end,
    case
        when birth_date is null then null
        when birth_date like 'enc1:%' then unhex('01'
            || printf('%02x', length(substr(birth_date, 6, instr(substr(birth_date, 6), ':') - 1)))
            || hex(substr(birth_date, 6, instr(substr(birth_date, 6), ':') - 1))
            || substr(birth_date, 6 + instr(substr(birth_date, 6), ':')))
        else unhex('00' || hex(birth_date))
    end,
    case
        when phone is null then null
        when phone like 'enc1:%' then unhex('01'
            || printf('%02x', length(substr(phone, 6, instr(substr(phone, 6), ':') - 1)))
            || hex(substr(phone, 6, instr(substr(phone, 6), ':') - 1))
            || substr(phone, 6 + instr(substr(phone, 6), ':')))
        else unhex('00' || hex(phone))
    end
from patient_identity order by rowid;
drop table patient_identity;
alter table patient_identity_new rename to patient_identity;

create table user_second_factor_new (
    user_id blob primary key not null references user_account (user_id),
    secret blob not null,
    confirmed_at text,
    last_used_step integer not null,
    created_at text not null
);
insert into user_second_factor_new (user_id, secret, confirmed_at, last_used_step, created_at)
select user_id,
    case
        when secret is null then null
        when secret like 'enc1:%' then unhex('01'
            || printf('%02x', length(substr(secret, 6, instr(substr(secret, 6), ':') - 1)))
            || hex(substr(secret, 6, instr(substr(secret, 6), ':') - 1))
            || substr(secret, 6 + instr(substr(secret, 6), ':')))
        else unhex('00' || hex(secret))
    end,
    confirmed_at, last_used_step, created_at
from user_second_factor;
drop table user_second_factor;
alter table user_second_factor_new rename to user_second_factor;
