//! The generator's fixed data: the two regions' councils, the framework
//! (themes, measures and their 2022 proxies) and the words that names,
//! titles and postcodes are made of. Same tables, in the same order, as the
//! Python generator's: a draw picks by index.

/// The financial years that have proxies; every commitment and evidence row falls in one.
pub(super) const FIRST_FY: i32 = 2022;
pub(super) const LAST_FY: i32 = 2025;
/// How many: `LAST_FY - FIRST_FY + 1`.
pub(super) const YEARS: usize = (LAST_FY - FIRST_FY + 1) as usize;

pub(super) struct CouncilDef {
    pub code: &'static str,
    pub name: &'static str,
    pub gss: &'static str,
    /// relative size: share of the region's contracts
    pub size: f64,
    /// postcode districts of suppliers based in the council
    pub districts: &'static [&'static str],
    /// places used in contract titles
    pub areas: &'static [&'static str],
}

const fn council(
    code: &'static str,
    name: &'static str,
    gss: &'static str,
    size: f64,
    districts: &'static [&'static str],
    areas: &'static [&'static str],
) -> CouncilDef {
    CouncilDef { code, name, gss, size, districts, areas }
}

#[rustfmt::skip]
pub(super) static LCR_COUNCILS: [CouncilDef; 6] = [
    council("HAL", "Halton Borough Council", "E06000006", 1.0, &["WA7", "WA8"], &["Runcorn", "Widnes"]),
    council("KNO", "Knowsley Metropolitan Borough Council", "E08000011", 1.2, &["L34", "L35", "L36", "L28"], &["Huyton", "Kirkby", "Prescot"]),
    council("LIV", "Liverpool City Council", "E08000012", 3.0, &["L1", "L2", "L3", "L4", "L6", "L8", "L13", "L15", "L17", "L24"], &["Anfield", "Speke", "Toxteth", "city centre"]),
    council("SEF", "Sefton Metropolitan Borough Council", "E08000014", 2.0, &["L20", "L21", "L22", "L23", "L30", "PR8", "PR9"], &["Bootle", "Southport", "Crosby", "Maghull"]),
    council("STH", "St Helens Borough Council", "E08000013", 1.3, &["WA9", "WA10", "WA11"], &["Newton-le-Willows", "Haydock", "town centre"]),
    council("WIR", "Wirral Council", "E08000015", 2.4, &["CH41", "CH43", "CH44", "CH46", "CH49", "CH62", "CH63"], &["Birkenhead", "Wallasey", "West Kirby"]),
];

#[rustfmt::skip]
pub(super) static LANCS_COUNCILS: [CouncilDef; 15] = [
    council("LANCS", "Lancashire County Council", "E10000017", 4.0, &["PR1", "PR2"], &["Central Lancashire", "East Lancashire", "North Lancashire"]),
    council("BWD", "Blackburn with Darwen Borough Council", "E06000008", 1.6, &["BB1", "BB2", "BB3"], &["Blackburn", "Darwen"]),
    council("BPL", "Blackpool Council", "E06000009", 1.6, &["FY1", "FY2", "FY3", "FY4"], &["South Shore", "Bispham"]),
    council("BUR", "Burnley Borough Council", "E07000117", 0.8, &["BB10", "BB11", "BB12"], &["Padiham", "town centre"]),
    council("CHO", "Chorley Council", "E07000118", 0.8, &["PR6", "PR7"], &["Buckshaw", "Euxton"]),
    council("FYL", "Fylde Council", "E07000119", 0.6, &["FY8", "PR4"], &["Lytham St Annes", "Kirkham"]),
    council("HYN", "Hyndburn Borough Council", "E07000120", 0.6, &["BB5"], &["Accrington", "Oswaldtwistle"]),
    council("LAN", "Lancaster City Council", "E07000121", 1.0, &["LA1", "LA2", "LA3", "LA4"], &["Morecambe", "Carnforth"]),
    council("PEN", "Pendle Borough Council", "E07000122", 0.7, &["BB8", "BB9"], &["Nelson", "Colne", "Barnoldswick"]),
    council("PRE", "Preston City Council", "E07000123", 1.2, &["PR1", "PR2"], &["city centre", "Fulwood"]),
    council("RIB", "Ribble Valley Borough Council", "E07000124", 0.5, &["BB7"], &["Clitheroe", "Longridge"]),
    council("ROS", "Rossendale Borough Council", "E07000125", 0.5, &["BB4"], &["Rawtenstall", "Bacup", "Haslingden"]),
    council("SRI", "South Ribble Borough Council", "E07000126", 0.8, &["PR5", "PR25", "PR26"], &["Leyland", "Penwortham"]),
    council("WLA", "West Lancashire Borough Council", "E07000127", 0.8, &["L39", "L40", "WN8"], &["Ormskirk", "Skelmersdale"]),
    council("WYR", "Wyre Council", "E07000128", 0.8, &["FY5", "FY6", "FY7", "PR3"], &["Fleetwood", "Thornton-Cleveleys", "Garstang"]),
];

/// Postcode districts of suppliers based outside the member councils.
pub(super) const OUTSIDE_DISTRICTS: &[&str] = &["M1", "M2", "M3", "M15", "M50", "WN1", "BL1", "OL1", "WA1", "WA4", "CW1", "LS1", "B1", "EC1A", "SE1"];

pub(super) const THEMES: [(&str, &str); 5] = [
    ("JOBS", "Jobs: promote local skills and employment"),
    ("GROWTH", "Growth: supporting the growth of responsible regional business"),
    ("SOCIAL", "Social: healthier, safer and more resilient communities"),
    ("ENV", "Environment: decarbonising and safeguarding our world"),
    ("INNOV", "Innovation: promoting social innovation"),
];

/// Relative weight of a theme when drawing a commitment's measure.
pub(super) fn theme_weight(theme: &str) -> f64 {
    match theme {
        "JOBS" => 3.0,
        "GROWTH" => 2.5,
        "SOCIAL" => 2.0,
        "ENV" => 1.5,
        _ => 1.0, // INNOV
    }
}

pub(super) struct MeasureDef {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    /// FY 2022 proxy (illustrative); `None` for a £ unit, whose proxy is 1.00 every year
    pub proxy_2022: Option<&'static str>,
    /// quantity step in hundredths of a unit (1 = 0.01, 10 = 0.1, 50 = 0.5, 100 = 1)
    pub step: i64,
}

const fn measure(code: &'static str, name: &'static str, unit: &'static str, proxy_2022: Option<&'static str>, step: i64) -> MeasureDef {
    MeasureDef { code, name, unit, proxy_2022, step }
}

#[rustfmt::skip]
pub(super) static MEASURES: [MeasureDef; 20] = [
    measure("JOBS-01", "Local people employed on the contract", "FTE local employees", Some("31250.00"), 10),
    measure("JOBS-02", "Long-term unemployed people employed on the contract", "FTE employees", Some("19800.00"), 10),
    measure("JOBS-03", "Apprenticeships on the contract", "weeks of apprenticeship", Some("248.50"), 100),
    measure("JOBS-04", "Work placements for local residents", "weeks of placement", Some("181.20"), 100),
    measure("GROWTH-01", "Spend with local SMEs in the supply chain", "£ spent with local SMEs", None, 1),
    measure("GROWTH-02", "Spend with VCSEs in the supply chain", "£ spent with VCSEs", None, 1),
    measure("GROWTH-03", "Expert business advice to local SMEs", "hours of expert support", Some("96.40"), 50),
    measure("GROWTH-04", "Meet-the-buyer events for local businesses", "events held", Some("1450.00"), 100),
    measure("SOCIAL-01", "Staff volunteering on local community projects", "hours of volunteering", Some("17.80"), 50),
    measure("SOCIAL-02", "Donations to local community projects", "£ donated", None, 1),
    measure("SOCIAL-03", "Mentoring for care leavers and young people", "hours of mentoring", Some("31.25"), 50),
    measure("SOCIAL-04", "Health and wellbeing programmes for the workforce", "£ invested in wellbeing", None, 1),
    measure("ENV-01", "Carbon emissions saved on the contract", "tonnes CO2e saved", Some("248.00"), 1),
    measure("ENV-02", "Car miles saved through green travel plans", "miles saved", Some("0.17"), 100),
    measure("ENV-03", "Waste diverted from landfill", "tonnes diverted", Some("104.60"), 1),
    measure("ENV-04", "Trees planted in the local area", "trees planted", Some("12.40"), 100),
    measure("INNOV-01", "Innovation partnerships with local universities", "hours of collaboration", Some("62.00"), 50),
    measure("INNOV-02", "Digital skills training for residents", "hours of training", Some("24.75"), 50),
    measure("INNOV-03", "Investment in local research and development", "£ invested in R&D", None, 1),
    measure("INNOV-04", "Local start-ups supported", "start-ups supported", Some("3520.00"), 100),
];

impl MeasureDef {
    pub fn theme(&self) -> &'static str {
        self.code.split('-').next().unwrap_or(self.code)
    }

    pub fn is_money(&self) -> bool {
        self.proxy_2022.is_none()
    }
}

/// Year-on-year uplift of each non-£ proxy in basis points, 2022->23, 23->24, 24->25.
pub(super) const PROXY_UPLIFT_BP: [i64; 3] = [410, 280, 195];

#[rustfmt::skip]
pub(super) const PLACES: &[&str] = &["Mersey", "Pennine", "Ribble", "Wyre", "Dee", "Lune", "Fylde", "Bowland", "Northern", "Red Rose",
    "Liver", "Albert", "Seaview", "Hillside", "Riverside", "Westgate", "Northgate", "Kingsway", "Castle",
    "Brunswick", "Canning", "Princes", "Marine", "Oakwood", "Ashfield", "Beacon", "Harbour", "Moorland",
    "Valley", "Summit", "Parkside", "Meadow", "Cross Keys", "Borough", "Victoria", "Wellington", "Atlantic"];
#[rustfmt::skip]
pub(super) const TRADES: &[&str] = &["Building Services", "Civil Engineering", "Construction", "Facilities Management", "Care Services",
    "Cleaning Services", "Catering", "Electrical Contractors", "Highways", "Landscapes", "Transport",
    "Digital", "IT Solutions", "Consulting", "Security", "Roofing", "Plumbing and Heating", "Recycling",
    "Environmental Services", "Homecare", "Training", "Legal Services", "Print and Design", "Fleet Services",
    "Energy Solutions", "Groundworks", "Surveying", "Joinery", "Engineering", "Property Services"];
#[rustfmt::skip]
pub(super) const SURNAMES: &[&str] = &["Hughes", "Jones", "Roberts", "Murphy", "Kelly", "Walsh", "Brennan", "Taylor", "Whittaker", "Ashworth",
    "Hargreaves", "Pilkington", "Holden", "Sutcliffe", "Kershaw", "Entwistle", "Duckworth", "Rawcliffe",
    "Parkinson", "Greenhalgh", "O'Neill", "McCarthy", "Doyle", "Byrne", "Patel", "Khan", "Hussain", "Okafor",
    "Nowak", "Kowalski", "Singh", "Ahmed", "Evans", "Davies", "Clarke", "Lomax", "Fairclough", "Molyneux"];
#[rustfmt::skip]
pub(super) const VCSE_NOUNS: &[&str] = &["Community Trust", "Community Interest Company", "Foundation", "Community Action", "Youth Project",
    "Food Bank", "Wellbeing Network", "Credit Union", "Housing Association", "Enterprise Hub"];
#[rustfmt::skip]
pub(super) const NATIONAL: &[&str] = &["Amberline", "Castlegate", "Northstar", "Keystone", "Meridian", "Sterling", "Paragon", "Crestway",
    "Brightwater", "Ironbridge", "Lionheart", "Evergreen"];
#[rustfmt::skip]
pub(super) const CONTRACT_SUBJECTS: &[&str] = &[
    "Highways maintenance term contract", "Domiciliary care framework", "School catering services",
    "Leisure centre management", "Waste collection and recycling", "Street lighting LED upgrade",
    "ICT managed service", "Temporary accommodation provision", "Housing repairs and maintenance",
    "Supported living services", "Parks and grounds maintenance", "Library refurbishment works",
    "Electric vehicle charging infrastructure", "Construction of new primary school", "Agency staff provision",
    "Legal services framework", "Home to school transport", "Energy efficiency retrofit programme",
    "Substance misuse treatment service", "Youth services", "Town centre regeneration works",
    "Flood defence improvements", "Care home placements", "Winter gritting service", "Bus shelter replacement",
    "Cleaning of council buildings", "Public health nursing service", "Children's residential care",
    "Adult learning programme", "Market hall refurbishment", "Cycle lane construction", "Café concession",
];
pub(super) const SOLE_TRADER_INITIALS: &[u8] = b"ABCDEGHJKLMNPRST";
/// Letters used in the inward code of a postcode.
pub(super) const POSTCODE_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
pub(super) const WEIGHTINGS: &[&str] = &["10", "10", "10", "15", "15", "20", "20", "5", "25", "30", "12.5", "7.5"];
