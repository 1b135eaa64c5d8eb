//! Plausible demo data: names of real places, fictitious organisations and people.
//! Coordinates are approximate centroids (WGS84); deprivation values are invented for the demo
//! and are not official figures.

/// A Düsseldorf Stadtbezirk with its Stadtteile.
#[derive(Debug, Clone, Copy)]
pub struct District {
    /// Its number (1–10).
    pub number: u8,
    /// Its name.
    pub name: &'static str,
    /// Its Stadtteile.
    pub quarters: &'static [Quarter],
}

/// A Stadtteil (Düsseldorf) or a town (Norddjurs).
#[derive(Debug, Clone, Copy)]
pub struct Quarter {
    /// Its name.
    pub name: &'static str,
    /// Its main postcode.
    pub postcode: &'static str,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// 0.0 (least) ..= 1.0 (most deprived); a demo value.
    pub deprivation: f64,
}

const fn q(name: &'static str, postcode: &'static str, lat: f64, lon: f64, deprivation: f64) -> Quarter {
    Quarter {
        name,
        postcode,
        lat,
        lon,
        deprivation,
    }
}

/// The 10 Stadtbezirke and 50 Stadtteile of Düsseldorf.
pub const DUESSELDORF_DISTRICTS: &[District] = &[
    District {
        number: 1,
        name: "Stadtbezirk 1",
        quarters: &[
            q("Altstadt", "40213", 51.2262, 6.7727, 0.35),
            q("Carlstadt", "40213", 51.2218, 6.7730, 0.25),
            q("Stadtmitte", "40210", 51.2222, 6.7885, 0.45),
            q("Pempelfort", "40479", 51.2365, 6.7865, 0.30),
            q("Derendorf", "40476", 51.2430, 6.7935, 0.40),
            q("Golzheim", "40474", 51.2490, 6.7680, 0.15),
        ],
    },
    District {
        number: 2,
        name: "Stadtbezirk 2",
        quarters: &[
            q("Flingern-Süd", "40233", 51.2195, 6.8090, 0.70),
            q("Flingern-Nord", "40235", 51.2300, 6.8120, 0.50),
            q("Düsseltal", "40237", 51.2370, 6.8060, 0.25),
        ],
    },
    District {
        number: 3,
        name: "Stadtbezirk 3",
        quarters: &[
            q("Friedrichstadt", "40215", 51.2140, 6.7820, 0.50),
            q("Unterbilk", "40219", 51.2120, 6.7620, 0.30),
            q("Hafen", "40221", 51.2080, 6.7490, 0.40),
            q("Hamm", "40221", 51.2000, 6.7420, 0.45),
            q("Volmerswerth", "40221", 51.1900, 6.7470, 0.35),
            q("Bilk", "40223", 51.2030, 6.7790, 0.45),
            q("Oberbilk", "40227", 51.2100, 6.8030, 0.80),
            q("Flehe", "40223", 51.1880, 6.7690, 0.30),
        ],
    },
    District {
        number: 4,
        name: "Stadtbezirk 4",
        quarters: &[
            q("Oberkassel", "40545", 51.2310, 6.7530, 0.10),
            q("Heerdt", "40549", 51.2300, 6.7150, 0.50),
            q("Lörick", "40547", 51.2470, 6.7310, 0.20),
            q("Niederkassel", "40547", 51.2460, 6.7480, 0.10),
        ],
    },
    District {
        number: 5,
        name: "Stadtbezirk 5",
        quarters: &[
            q("Stockum", "40474", 51.2640, 6.7520, 0.20),
            q("Lohausen", "40474", 51.2760, 6.7490, 0.15),
            q("Kaiserswerth", "40489", 51.3010, 6.7390, 0.05),
            q("Wittlaer", "40489", 51.3170, 6.7380, 0.05),
            q("Angermund", "40489", 51.3300, 6.7800, 0.10),
            q("Kalkum", "40489", 51.3050, 6.7610, 0.10),
        ],
    },
    District {
        number: 6,
        name: "Stadtbezirk 6",
        quarters: &[
            q("Lichtenbroich", "40472", 51.2830, 6.8100, 0.40),
            q("Unterrath", "40468", 51.2720, 6.7900, 0.45),
            q("Rath", "40472", 51.2600, 6.8150, 0.75),
            q("Mörsenbroich", "40470", 51.2520, 6.8080, 0.50),
        ],
    },
    District {
        number: 7,
        name: "Stadtbezirk 7",
        quarters: &[
            q("Gerresheim", "40625", 51.2340, 6.8660, 0.50),
            q("Grafenberg", "40629", 51.2400, 6.8330, 0.20),
            q("Ludenberg", "40629", 51.2500, 6.8600, 0.15),
            q("Hubbelrath", "40629", 51.2620, 6.9180, 0.10),
            q("Knittkuhl", "40629", 51.2660, 6.8880, 0.30),
        ],
    },
    District {
        number: 8,
        name: "Stadtbezirk 8",
        quarters: &[
            q("Lierenfeld", "40231", 51.2110, 6.8240, 0.65),
            q("Eller", "40229", 51.2000, 6.8420, 0.55),
            q("Vennhausen", "40627", 51.2130, 6.8620, 0.35),
            q("Unterbach", "40627", 51.2050, 6.8850, 0.20),
        ],
    },
    District {
        number: 9,
        name: "Stadtbezirk 9",
        quarters: &[
            q("Wersten", "40591", 51.1830, 6.8120, 0.55),
            q("Himmelgeist", "40589", 51.1700, 6.8180, 0.15),
            q("Holthausen", "40589", 51.1720, 6.8360, 0.50),
            q("Reisholz", "40599", 51.1800, 6.8600, 0.60),
            q("Benrath", "40597", 51.1620, 6.8740, 0.30),
            q("Urdenbach", "40593", 51.1470, 6.8770, 0.20),
            q("Itter", "40589", 51.1620, 6.8420, 0.25),
            q("Hassels", "40599", 51.1740, 6.8780, 0.75),
        ],
    },
    District {
        number: 10,
        name: "Stadtbezirk 10",
        quarters: &[
            q("Garath", "40595", 51.1360, 6.9000, 0.85),
            q("Hellerhof", "40595", 51.1240, 6.8980, 0.40),
        ],
    },
];

/// Towns of Norddjurs Kommune.
pub const NORDDJURS_TOWNS: &[Quarter] = &[
    q("Grenaa", "8500", 56.4159, 10.8784, 0.55),
    q("Auning", "8963", 56.4316, 10.3820, 0.35),
    q("Ørsted", "8950", 56.5150, 10.3350, 0.40),
    q("Allingåbro", "8961", 56.4640, 10.3190, 0.40),
    q("Glesborg", "8585", 56.4990, 10.6930, 0.45),
    q("Bønnerup Strand", "8585", 56.5290, 10.7000, 0.50),
    q("Vivild", "8961", 56.4900, 10.4800, 0.35),
    q("Trustrup", "8570", 56.3450, 10.7750, 0.35),
    q("Ørum Djurs", "8586", 56.4570, 10.6670, 0.35),
    q("Gjerrild", "8500", 56.5120, 10.8150, 0.30),
    q("Hemmed", "8581", 56.3840, 10.6280, 0.30),
    q("Vester Alling", "8963", 56.4480, 10.3990, 0.35),
    q("Fjellerup", "8585", 56.5190, 10.5740, 0.30),
    q("Voer", "8950", 56.5230, 10.2690, 0.35),
    q("Stenvad", "8586", 56.4680, 10.6090, 0.35),
    q("Anholt", "8592", 56.7150, 11.5110, 0.40),
];

/// A Norddjurs general practice: `gps` GPs (læger) and `navigators` social navigators.
#[derive(Debug, Clone, Copy)]
pub struct DanishPractice {
    /// Name (fictitious).
    pub name: &'static str,
    /// Town (one of [`NORDDJURS_TOWNS`]).
    pub town: &'static str,
    /// Number of GPs.
    pub gps: u8,
    /// Number of social navigators.
    pub navigators: u8,
}

/// Fictitious practices with 24 GPs in all.
pub const NORDDJURS_PRACTICES: &[DanishPractice] = &[
    DanishPractice {
        name: "Lægerne Torvet",
        town: "Grenaa",
        gps: 4,
        navigators: 2,
    },
    DanishPractice {
        name: "Lægehuset Kattegat",
        town: "Grenaa",
        gps: 4,
        navigators: 1,
    },
    DanishPractice {
        name: "Grenaa Lægecenter",
        town: "Grenaa",
        gps: 3,
        navigators: 1,
    },
    DanishPractice {
        name: "Lægehuset Auning",
        town: "Auning",
        gps: 3,
        navigators: 1,
    },
    DanishPractice {
        name: "Lægerne i Ørsted",
        town: "Ørsted",
        gps: 2,
        navigators: 1,
    },
    DanishPractice {
        name: "Allingåbro Lægepraksis",
        town: "Allingåbro",
        gps: 2,
        navigators: 1,
    },
    DanishPractice {
        name: "Lægerne Glesborg",
        town: "Glesborg",
        gps: 2,
        navigators: 1,
    },
    DanishPractice {
        name: "Ørum Lægehus",
        town: "Ørum Djurs",
        gps: 2,
        navigators: 1,
    },
    DanishPractice {
        name: "Vivild Lægepraksis",
        town: "Vivild",
        gps: 1,
        navigators: 1,
    },
    DanishPractice {
        name: "Anholt Lægepraksis",
        town: "Anholt",
        gps: 1,
        navigators: 1,
    },
];

/// What kind of provider a name pattern or offer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Zentrum plus (senior centre).
    ZentrumPlus,
    /// Youth centre.
    YouthCentre,
    /// Stadtteiltreff / community centre.
    Stadtteiltreff,
    /// Sports club.
    SportsClub,
    /// Choir or music group.
    Choir,
    /// Self-help group.
    SelfHelpGroup,
    /// Counselling service.
    CounsellingService,
    /// Library.
    Library,
    /// Anything else (volunteer centre, garden, church …).
    Other,
}

use ProviderKind as K;

/// German provider name patterns; `{q}` is the Stadtteil.
pub const DUESSELDORF_PROVIDER_PATTERNS: &[(&str, ProviderKind)] = &[
    ("zentrum plus {q}", K::ZentrumPlus),
    ("Jugendfreizeiteinrichtung {q}", K::YouthCentre),
    ("Stadtteiltreff {q}", K::Stadtteiltreff),
    ("TuS {q} 1911 e.V.", K::SportsClub),
    ("Sportgemeinschaft {q} e.V.", K::SportsClub),
    ("Chorgemeinschaft {q}", K::Choir),
    ("Musikverein {q} e.V.", K::Choir),
    ("Selbsthilfegruppe Trauer {q}", K::SelfHelpGroup),
    ("Selbsthilfegruppe Depression {q}", K::SelfHelpGroup),
    ("Schuldner- und Insolvenzberatung {q}", K::CounsellingService),
    ("Sozialberatung {q}", K::CounsellingService),
    ("Stadtbüchereien Düsseldorf – Zweigstelle {q}", K::Library),
    ("Nachbarschaftsgarten {q}", K::Other),
    ("Kulturverein {q} e.V.", K::Other),
    ("Familienzentrum {q}", K::Other),
    ("Ev. Kirchengemeinde {q}", K::Other),
];

/// Danish provider name patterns; `{q}` is the town.
pub const NORDDJURS_PROVIDER_PATTERNS: &[(&str, ProviderKind)] = &[
    ("{q} Idrætsforening", K::SportsClub),
    ("{q} Gymnastikforening", K::SportsClub),
    ("Frivilligcenter {q}", K::Other),
    ("{q} Bibliotek", K::Library),
    ("Aktivitetscenter {q}", K::Stadtteiltreff),
    ("Sorggruppe {q}", K::SelfHelpGroup),
    ("{q} Kirkekor", K::Choir),
    ("Ungdomsklub {q}", K::YouthCentre),
    ("Gældsrådgivning {q}", K::CounsellingService),
    ("{q} Borgerforening", K::Other),
    ("Naturlegeplads og Havefællesskab {q}", K::Other),
    ("Mandeklub {q}", K::SelfHelpGroup),
];

/// An offer (Angebot / tilbud) template.
#[derive(Debug, Clone, Copy)]
pub struct OfferTemplate {
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Which kind of provider runs it.
    pub provider_kind: ProviderKind,
    /// Need domain codes.
    pub need_domains: &'static [&'static str],
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    /// Hour it starts.
    pub start_hour: u8,
    /// Free of charge.
    pub free: bool,
}

const fn o(
    title: &'static str,
    description: &'static str,
    provider_kind: ProviderKind,
    need_domains: &'static [&'static str],
    weekday: u8,
    start_hour: u8,
    free: bool,
) -> OfferTemplate {
    OfferTemplate {
        title,
        description,
        provider_kind,
        need_domains,
        weekday,
        start_hour,
        free,
    }
}

/// Every need domain code.
pub const NEED_DOMAIN_CODES: &[&str] = &[
    "loneliness",
    "low-mood",
    "bereavement",
    "physical-activity",
    "nutrition",
    "money-debt",
    "housing",
    "work-education-volunteering",
    "caring",
    "digital-inclusion",
    "language-integration",
    "creativity-culture",
    "nature",
    "family-parenting",
];

/// German offers.
pub const OFFERS_DE: &[OfferTemplate] = &[
    o(
        "Erzählcafé",
        "Bei Kaffee und Kuchen erzählen wir von früher und heute. Neue Gesichter sind herzlich willkommen.",
        K::ZentrumPlus,
        &["loneliness"],
        2,
        15,
        true,
    ),
    o(
        "Spieletreff",
        "Gesellschaftsspiele, Karten und Gespräche in geselliger Runde.",
        K::ZentrumPlus,
        &["loneliness"],
        4,
        14,
        true,
    ),
    o(
        "Spaziergruppe",
        "Gemeinsame Spaziergänge durch das Quartier, etwa eine Stunde, in ruhigem Tempo.",
        K::ZentrumPlus,
        &["physical-activity", "loneliness", "nature"],
        3,
        10,
        true,
    ),
    o(
        "Seniorengymnastik",
        "Bewegung im Sitzen und Stehen für mehr Beweglichkeit und Gleichgewicht.",
        K::SportsClub,
        &["physical-activity"],
        1,
        10,
        false,
    ),
    o(
        "Sprachcafé Deutsch",
        "Deutsch sprechen üben in entspannter Runde, für alle Sprachniveaus.",
        K::Stadtteiltreff,
        &["language-integration", "loneliness"],
        2,
        17,
        true,
    ),
    o(
        "Schuldnerberatung",
        "Vertrauliche Beratung bei Schulden, Mahnungen und Pfändungen. Termin nach Vereinbarung.",
        K::CounsellingService,
        &["money-debt"],
        1,
        9,
        true,
    ),
    o(
        "Trauercafé",
        "Ein geschützter Ort für Menschen, die einen nahestehenden Menschen verloren haben.",
        K::SelfHelpGroup,
        &["bereavement", "low-mood"],
        5,
        16,
        true,
    ),
    o(
        "Smartphone-Hilfe",
        "Ehrenamtliche helfen bei Fragen rund um Handy, Tablet und Videoanrufe.",
        K::Library,
        &["digital-inclusion"],
        3,
        14,
        true,
    ),
    o(
        "Offener Treff",
        "Einfach vorbeikommen, Kaffee trinken, Leute aus der Nachbarschaft kennenlernen.",
        K::Stadtteiltreff,
        &["loneliness"],
        1,
        14,
        true,
    ),
    o(
        "Malgruppe",
        "Malen mit Acryl und Aquarell, keine Vorkenntnisse nötig, Material ist vorhanden.",
        K::ZentrumPlus,
        &["creativity-culture", "loneliness"],
        4,
        10,
        false,
    ),
    o(
        "Gemeinschaftsgarten",
        "Gemeinsam gärtnern, ernten und draußen sein. Mitmachen ist jederzeit möglich.",
        K::Other,
        &["nature", "physical-activity", "loneliness"],
        6,
        11,
        true,
    ),
    o(
        "Elterncafé",
        "Austausch für Eltern mit kleinen Kindern, Kinderbetreuung vor Ort.",
        K::Other,
        &["family-parenting", "loneliness"],
        3,
        9,
        true,
    ),
    o(
        "Offene Chorprobe",
        "Singen ohne Notenkenntnisse: Volkslieder, Schlager und Pop.",
        K::Choir,
        &["creativity-culture", "loneliness", "low-mood"],
        2,
        18,
        true,
    ),
    o(
        "Mittagstisch",
        "Gemeinsames Mittagessen zum kleinen Preis, frisch gekocht.",
        K::ZentrumPlus,
        &["nutrition", "loneliness"],
        5,
        12,
        false,
    ),
    o(
        "Kochkurs: Gesund und günstig",
        "Einfache, gesunde Rezepte mit kleinem Budget gemeinsam kochen.",
        K::Stadtteiltreff,
        &["nutrition", "money-debt"],
        4,
        17,
        false,
    ),
    o(
        "Walking-Gruppe",
        "Nordic Walking am Rhein für Einsteigerinnen und Einsteiger.",
        K::SportsClub,
        &["physical-activity", "nature"],
        6,
        9,
        false,
    ),
    o(
        "Tischtennis für Ältere",
        "Lockeres Tischtennis ohne Leistungsdruck.",
        K::SportsClub,
        &["physical-activity", "loneliness"],
        3,
        15,
        false,
    ),
    o(
        "Selbsthilfegruppe Depression",
        "Betroffene tauschen sich vertraulich aus und stärken sich gegenseitig.",
        K::SelfHelpGroup,
        &["low-mood"],
        2,
        19,
        true,
    ),
    o(
        "Sozialberatung",
        "Hilfe bei Anträgen, Behördenpost, Wohngeld und Grundsicherung.",
        K::CounsellingService,
        &["money-debt", "housing"],
        2,
        10,
        true,
    ),
    o(
        "Wohnberatung",
        "Beratung zu barrierefreiem Wohnen und Wohnungssuche.",
        K::CounsellingService,
        &["housing"],
        4,
        10,
        true,
    ),
    o(
        "Ehrenamtsbörse",
        "Wir finden mit Ihnen ein Ehrenamt, das zu Ihnen passt.",
        K::Other,
        &["work-education-volunteering", "loneliness"],
        3,
        10,
        true,
    ),
    o(
        "Lesekreis",
        "Wir lesen gemeinsam ein Buch und sprechen darüber, einmal im Monat.",
        K::Library,
        &["creativity-culture", "loneliness"],
        4,
        18,
        true,
    ),
    o(
        "Vorlesestunde für Familien",
        "Geschichten für Kinder von 3 bis 8 Jahren, Eltern sind eingeladen.",
        K::Library,
        &["family-parenting"],
        6,
        11,
        true,
    ),
    o(
        "Pflegende Angehörige – Gesprächskreis",
        "Austausch und Entlastung für Menschen, die Angehörige pflegen.",
        K::SelfHelpGroup,
        &["caring", "low-mood"],
        1,
        17,
        true,
    ),
    o(
        "Jugendtreff Offene Tür",
        "Offener Treff mit Billard, Musik und Hausaufgabenhilfe.",
        K::YouthCentre,
        &["loneliness", "work-education-volunteering"],
        2,
        15,
        true,
    ),
    o(
        "Bewerbungswerkstatt",
        "Unterstützung bei Lebenslauf, Anschreiben und Vorstellungsgespräch.",
        K::YouthCentre,
        &["work-education-volunteering"],
        3,
        16,
        true,
    ),
    o(
        "Mädchentreff",
        "Ein Raum nur für Mädchen: kreativ sein, reden, Ausflüge planen.",
        K::YouthCentre,
        &["loneliness", "creativity-culture"],
        4,
        16,
        true,
    ),
    o(
        "Tanzcafé",
        "Tanzen zu Musik von früher, Paare und Einzelpersonen willkommen.",
        K::ZentrumPlus,
        &["physical-activity", "loneliness", "creativity-culture"],
        5,
        15,
        false,
    ),
    o(
        "Yoga auf dem Stuhl",
        "Sanftes Yoga im Sitzen, geeignet bei eingeschränkter Beweglichkeit.",
        K::ZentrumPlus,
        &["physical-activity", "low-mood"],
        2,
        11,
        false,
    ),
    o(
        "Internationales Frauenfrühstück",
        "Frauen aus vielen Ländern frühstücken und kommen ins Gespräch.",
        K::Stadtteiltreff,
        &["language-integration", "loneliness"],
        3,
        9,
        true,
    ),
    o(
        "Männerstammtisch",
        "Männer treffen sich zum Austausch über Gott und die Welt.",
        K::Stadtteiltreff,
        &["loneliness"],
        4,
        18,
        true,
    ),
    o(
        "Computerkurs für Einsteiger",
        "E-Mails, Internet und Online-Banking sicher nutzen.",
        K::Library,
        &["digital-inclusion"],
        1,
        14,
        false,
    ),
    o(
        "Radtour-Gruppe",
        "Gemütliche Radtouren in die Umgebung, Leihräder nach Absprache.",
        K::SportsClub,
        &["physical-activity", "nature"],
        7,
        10,
        false,
    ),
    o(
        "Theatergruppe",
        "Improvisation und kleine Stücke, Bühnenerfahrung nicht nötig.",
        K::Other,
        &["creativity-culture", "loneliness"],
        3,
        19,
        false,
    ),
    o(
        "Repair-Café",
        "Gemeinsam reparieren statt wegwerfen – mit Werkzeug und Fachleuten.",
        K::Other,
        &["loneliness", "money-debt"],
        6,
        14,
        true,
    ),
    o(
        "Stadtteilspaziergang mit Geschichte",
        "Wir entdecken die Geschichte des Quartiers zu Fuß.",
        K::Other,
        &["creativity-culture", "physical-activity"],
        7,
        14,
        true,
    ),
    o(
        "Krabbelgruppe",
        "Eltern mit Babys und Kleinkindern treffen sich zum Spielen und Austausch.",
        K::Other,
        &["family-parenting"],
        2,
        10,
        true,
    ),
    o(
        "Gottesdienst und Kirchcafé",
        "Nach dem Gottesdienst Kaffee und Begegnung im Gemeindehaus.",
        K::Other,
        &["loneliness", "bereavement"],
        7,
        11,
        true,
    ),
    o(
        "Wassergymnastik",
        "Gelenkschonende Bewegung im warmen Wasser.",
        K::SportsClub,
        &["physical-activity"],
        5,
        9,
        false,
    ),
    o(
        "Achtsamkeitskurs",
        "Übungen gegen Stress und Grübeln, acht Abende.",
        K::CounsellingService,
        &["low-mood"],
        1,
        18,
        false,
    ),
    o(
        "Integrationskurs-Begleitung",
        "Ehrenamtliche Lernpatenschaften neben dem Sprachkurs.",
        K::Stadtteiltreff,
        &["language-integration", "work-education-volunteering"],
        4,
        15,
        true,
    ),
    o(
        "Kreativwerkstatt Nähen",
        "Nähen, flicken und gestalten an Nähmaschinen vor Ort.",
        K::ZentrumPlus,
        &["creativity-culture", "loneliness"],
        3,
        14,
        false,
    ),
];

/// Danish offers.
pub const OFFERS_DA: &[OfferTemplate] = &[
    o(
        "Gåhold",
        "Vi går en tur sammen i roligt tempo og slutter med en kop kaffe.",
        K::Stadtteiltreff,
        &["physical-activity", "loneliness", "nature"],
        2,
        10,
        true,
    ),
    o(
        "Strikkeklub",
        "Hyggeligt samvær med strikketøj, hækling og snak.",
        K::Library,
        &["creativity-culture", "loneliness"],
        3,
        14,
        true,
    ),
    o(
        "Fællesspisning",
        "Vi laver mad og spiser sammen. Alle er velkomne.",
        K::Other,
        &["nutrition", "loneliness"],
        4,
        17,
        false,
    ),
    o(
        "Sorggruppe",
        "Et trygt rum for dig, der har mistet en nær pårørende.",
        K::SelfHelpGroup,
        &["bereavement", "low-mood"],
        2,
        16,
        true,
    ),
    o(
        "Motionshold for seniorer",
        "Let motion med fokus på balance og styrke.",
        K::SportsClub,
        &["physical-activity"],
        1,
        10,
        false,
    ),
    o(
        "Mandeklub",
        "Mænd mødes om værkstedsarbejde, ture og en god snak.",
        K::SelfHelpGroup,
        &["loneliness"],
        3,
        9,
        true,
    ),
    o(
        "Snak og kaffe",
        "Kom forbi og få en snak med andre fra byen.",
        K::Stadtteiltreff,
        &["loneliness"],
        5,
        10,
        true,
    ),
    o(
        "Frivilligt arbejde",
        "Vi hjælper dig med at finde en frivillig opgave, der passer til dig.",
        K::Other,
        &["work-education-volunteering", "loneliness"],
        2,
        13,
        true,
    ),
    o(
        "It-café",
        "Frivillige hjælper med mobil, tablet, MitID og digital post.",
        K::Library,
        &["digital-inclusion"],
        4,
        13,
        true,
    ),
    o(
        "Sangkor",
        "Vi synger fra højskolesangbogen og meget mere. Ingen krav om noder.",
        K::Choir,
        &["creativity-culture", "loneliness", "low-mood"],
        1,
        19,
        false,
    ),
    o(
        "Havefællesskab",
        "Dyrk grøntsager og blomster sammen med andre.",
        K::Other,
        &["nature", "physical-activity", "loneliness"],
        6,
        10,
        true,
    ),
    o(
        "Gældsrådgivning",
        "Gratis og anonym rådgivning om gæld og økonomi.",
        K::CounsellingService,
        &["money-debt"],
        2,
        15,
        true,
    ),
    o(
        "Petanque",
        "Petanque for alle aldre på banen ved hallen.",
        K::SportsClub,
        &["physical-activity", "loneliness"],
        4,
        14,
        false,
    ),
    o(
        "Krolf",
        "Krolf i det fri, udstyr kan lånes.",
        K::SportsClub,
        &["physical-activity", "nature", "loneliness"],
        3,
        10,
        false,
    ),
    o(
        "Læsekreds",
        "Vi læser en bog om måneden og mødes til en snak om den.",
        K::Library,
        &["creativity-culture", "loneliness"],
        2,
        19,
        true,
    ),
    o(
        "Madlavning for mænd",
        "Lær at lave sund og billig hverdagsmad.",
        K::Other,
        &["nutrition", "loneliness"],
        3,
        17,
        false,
    ),
    o(
        "Pårørendegruppe",
        "Erfaringsudveksling for pårørende til syge eller ældre.",
        K::SelfHelpGroup,
        &["caring", "low-mood"],
        4,
        17,
        true,
    ),
    o(
        "Ungdomsklub",
        "Et sted at være efter skole med spil, musik og aktiviteter.",
        K::YouthCentre,
        &["loneliness"],
        2,
        15,
        true,
    ),
    o(
        "Lektiecafé",
        "Frivillige hjælper med lektier og opgaver.",
        K::YouthCentre,
        &["work-education-volunteering", "family-parenting"],
        1,
        15,
        true,
    ),
    o(
        "Dansk sprogcafé",
        "Øv dansk i en hyggelig og uformel ramme.",
        K::Library,
        &["language-integration", "loneliness"],
        3,
        16,
        true,
    ),
    o(
        "Naturvandring",
        "Guidede ture i Djurslands natur, fx ved kysten og i skoven.",
        K::Other,
        &["nature", "physical-activity"],
        7,
        10,
        true,
    ),
    o(
        "Svømning for seniorer",
        "Svømning og vandgymnastik i varmtvandsbassin.",
        K::SportsClub,
        &["physical-activity"],
        5,
        9,
        false,
    ),
    o(
        "Kreativt værksted",
        "Maling, ler og andre kreative aktiviteter.",
        K::Stadtteiltreff,
        &["creativity-culture", "low-mood"],
        4,
        13,
        false,
    ),
    o(
        "Mødregruppe",
        "Forældre med små børn mødes og deler erfaringer.",
        K::Other,
        &["family-parenting", "loneliness"],
        2,
        10,
        true,
    ),
    o(
        "Cykelklub",
        "Fællesture på cykel i roligt tempo.",
        K::SportsClub,
        &["physical-activity", "nature"],
        6,
        9,
        false,
    ),
    o(
        "Banko og hygge",
        "Banko, kaffe og kage i aktivitetscentret.",
        K::Stadtteiltreff,
        &["loneliness"],
        3,
        14,
        false,
    ),
    o(
        "Borgerrådgivning",
        "Hjælp til breve fra kommunen, ansøgninger og boligspørgsmål.",
        K::CounsellingService,
        &["housing", "money-debt"],
        1,
        10,
        true,
    ),
    o(
        "Mindfulness-forløb",
        "Otte gange med øvelser mod stress og bekymringer.",
        K::CounsellingService,
        &["low-mood"],
        2,
        18,
        false,
    ),
    o(
        "Kirkekaffe",
        "Kaffe og samvær efter gudstjenesten.",
        K::Choir,
        &["loneliness", "bereavement"],
        7,
        11,
        true,
    ),
    o(
        "Jobcafé",
        "Støtte til CV, ansøgninger og kontakt til arbejdsgivere.",
        K::Other,
        &["work-education-volunteering"],
        3,
        10,
        true,
    ),
    o(
        "Fiskeklub",
        "Fælles fisketure ved Kattegat og søerne.",
        K::SportsClub,
        &["nature", "loneliness"],
        6,
        7,
        false,
    ),
];

/// Common German first names (including names common among people with Turkish, Polish,
/// Arabic and Ukrainian backgrounds).
pub const FIRST_NAMES_DE: &[&str] = &[
    "Anna",
    "Maria",
    "Ursula",
    "Monika",
    "Petra",
    "Sabine",
    "Renate",
    "Helga",
    "Karin",
    "Brigitte",
    "Gisela",
    "Claudia",
    "Julia",
    "Lena",
    "Sarah",
    "Peter",
    "Michael",
    "Thomas",
    "Klaus",
    "Wolfgang",
    "Jürgen",
    "Hans",
    "Dieter",
    "Stefan",
    "Andreas",
    "Frank",
    "Uwe",
    "Lukas",
    "Jonas",
    "Paul",
    "Ayşe",
    "Fatma",
    "Emine",
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Agnieszka",
    "Katarzyna",
    "Piotr",
    "Tomasz",
    "Fatima",
    "Amira",
    "Mohammed",
    "Omar",
    "Olena",
    "Iryna",
    "Oleksandr",
    "Andrii",
];

/// Common German family names.
pub const LAST_NAMES_DE: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Haddad",
    "Khalil",
    "Kovalenko",
    "Shevchenko",
    "Bondarenko",
];

/// Common Danish first names.
pub const FIRST_NAMES_DA: &[&str] = &[
    "Anne", "Kirsten", "Hanne", "Mette", "Susanne", "Lene", "Inge", "Karen", "Birgit", "Lone", "Jette", "Helle",
    "Bente", "Marianne", "Camilla", "Ida", "Emma", "Sofie", "Peter", "Jens", "Lars", "Michael", "Henrik", "Søren",
    "Niels", "Anders", "Jørgen", "Hans", "Thomas", "Ole", "Martin", "Jesper", "Per", "Erik", "Frederik", "Mads",
    "Mikkel", "Rasmus", "Kasper", "Bo",
];

/// Common Danish family names.
pub const LAST_NAMES_DA: &[&str] = &[
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Mikkelsen",
    "Frederiksen",
    "Laursen",
    "Henriksen",
    "Lund",
    "Schmidt",
    "Holm",
    "Eriksen",
    "Kristiansen",
    "Nørgaard",
    "Bach",
    "Søndergaard",
    "Dahl",
    "Vestergaard",
    "Lauridsen",
    "Damgaard",
    "Bertelsen",
    "Overgaard",
];

/// GP practice name patterns; `{n}` a family name, `{q}` the Stadtteil.
pub const GP_PRACTICE_PATTERNS_DE: &[&str] = &[
    "Hausarztpraxis {n} ({q})",
    "Gemeinschaftspraxis Dr. {n} & Partner ({q})",
    "Hausärztliche Praxis am Markt {q}",
    "Praxis Dr. med. {n}, Allgemeinmedizin ({q})",
];

/// Psychotherapy practice name patterns.
pub const PSYCHOTHERAPY_PRACTICE_PATTERNS_DE: &[&str] = &[
    "Praxis für Psychotherapie {n} ({q})",
    "Psychotherapeutische Praxis {n} ({q})",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duesseldorf_has_10_districts_and_50_quarters_inside_the_city() {
        assert_eq!(DUESSELDORF_DISTRICTS.len(), 10);
        let quarters: Vec<&Quarter> = DUESSELDORF_DISTRICTS.iter().flat_map(|d| d.quarters).collect();
        assert_eq!(quarters.len(), 50);
        let names: std::collections::HashSet<_> = quarters.iter().map(|q| q.name).collect();
        assert_eq!(names.len(), 50);
        for q in quarters {
            assert!(
                (51.10..51.36).contains(&q.lat) && (6.68..6.95).contains(&q.lon),
                "{}",
                q.name
            );
            assert!((0.0..=1.0).contains(&q.deprivation));
        }
    }

    #[test]
    fn norddjurs_has_24_gps_in_practices_in_its_towns() {
        assert_eq!(NORDDJURS_PRACTICES.iter().map(|p| u32::from(p.gps)).sum::<u32>(), 24);
        for p in NORDDJURS_PRACTICES {
            assert!(p.navigators >= 1);
            assert!(NORDDJURS_TOWNS.iter().any(|t| t.name == p.town), "{}", p.town);
        }
        for t in NORDDJURS_TOWNS {
            assert!(
                (56.30..56.80).contains(&t.lat) && (10.20..11.70).contains(&t.lon),
                "{}",
                t.name
            );
        }
    }

    #[test]
    fn offers_use_known_need_domains_and_times() {
        assert_eq!(NEED_DOMAIN_CODES.len(), 14);
        assert!(OFFERS_DE.len() >= 40 && OFFERS_DA.len() >= 30);
        for offer in OFFERS_DE.iter().chain(OFFERS_DA) {
            assert!(!offer.need_domains.is_empty(), "{}", offer.title);
            for code in offer.need_domains {
                assert!(NEED_DOMAIN_CODES.contains(code), "{code}");
            }
            assert!((1..=7).contains(&offer.weekday) && offer.start_hour < 24);
        }
        for (pattern, _) in DUESSELDORF_PROVIDER_PATTERNS.iter().chain(NORDDJURS_PROVIDER_PATTERNS) {
            assert!(pattern.contains("{q}"), "{pattern}");
        }
        assert!(!FIRST_NAMES_DE.is_empty() && !LAST_NAMES_DA.is_empty());
    }

    #[test]
    fn districts_are_numbered_1_to_10_and_towns_are_unique() {
        for (i, d) in DUESSELDORF_DISTRICTS.iter().enumerate() {
            assert_eq!(usize::from(d.number), i + 1);
            assert_eq!(d.name, format!("Stadtbezirk {}", d.number));
            assert!(!d.quarters.is_empty());
        }
        let names: std::collections::HashSet<_> = NORDDJURS_TOWNS.iter().map(|t| t.name).collect();
        assert_eq!(names.len(), NORDDJURS_TOWNS.len());
        let places = DUESSELDORF_DISTRICTS
            .iter()
            .flat_map(|d| d.quarters)
            .chain(NORDDJURS_TOWNS);
        for q in places {
            assert!(q.postcode.chars().all(|c| c.is_ascii_digit()), "{}", q.name);
        }
        for t in NORDDJURS_TOWNS {
            assert_eq!(t.postcode.len(), 4, "{}", t.name);
            assert!((0.0..=1.0).contains(&t.deprivation));
        }
        assert!(NORDDJURS_PRACTICES.len() >= 9 && NORDDJURS_PRACTICES.len() <= 11);
    }

    #[test]
    fn every_offer_kind_has_a_provider_pattern_and_enough_patterns_exist() {
        assert!(DUESSELDORF_PROVIDER_PATTERNS.len() >= 15);
        assert!(NORDDJURS_PROVIDER_PATTERNS.len() >= 12);
        for offer in OFFERS_DE {
            let kinds = DUESSELDORF_PROVIDER_PATTERNS.iter().map(|p| p.1);
            assert!(kinds.clone().any(|k| k == offer.provider_kind), "{}", offer.title);
            assert!(!offer.description.is_empty());
        }
        for offer in OFFERS_DA {
            let kinds = NORDDJURS_PROVIDER_PATTERNS.iter().map(|p| p.1);
            assert!(kinds.clone().any(|k| k == offer.provider_kind), "{}", offer.title);
            assert!(!offer.description.is_empty());
        }
    }

    #[test]
    fn practice_patterns_use_only_known_placeholders() {
        for pattern in GP_PRACTICE_PATTERNS_DE.iter().chain(PSYCHOTHERAPY_PRACTICE_PATTERNS_DE) {
            assert!(pattern.contains("{n}") || pattern.contains("{q}"), "{pattern}");
            let rest = pattern.replace("{n}", "").replace("{q}", "");
            assert!(!rest.contains('{') && !rest.contains('}'), "{pattern}");
        }
        for pattern in PSYCHOTHERAPY_PRACTICE_PATTERNS_DE {
            assert!(pattern.contains("{n}"), "{pattern}");
        }
        let provider_patterns = DUESSELDORF_PROVIDER_PATTERNS.iter().chain(NORDDJURS_PROVIDER_PATTERNS);
        for (pattern, _) in provider_patterns {
            let rest = pattern.replace("{q}", "");
            assert!(!rest.contains('{') && !rest.contains('}'), "{pattern}");
        }
        for names in [FIRST_NAMES_DE, LAST_NAMES_DE, FIRST_NAMES_DA, LAST_NAMES_DA] {
            assert!(names.len() >= 35);
            let unique: std::collections::HashSet<_> = names.iter().collect();
            assert_eq!(unique.len(), names.len());
        }
    }
}
