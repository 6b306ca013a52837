// Default billing currency per country: every ISO 3166-1 alpha-2 country code mapped to the
// main local ISO 4217 currency of that country.
//
// Sources: the ISO 3166-1 alpha-2 code list for the keys, and the ENTITY column of ISO 4217
// List One (as published by SIX Group, amendment as of 2026-01-01, the same list as
// ./currencies.ts) for the values. Where List One names more than one currency for an
// entity, the one chosen is the country's own circulating currency rather than a fund code
// (BOV, CLF, COU, MXV, UYI, UYW, CHE, CHW, USN) or a second legal tender: BT→BTN (not INR),
// HT→HTG (not USD), LS→LSL (not ZAR), NA→NAD (not ZAR), PA→PAB (not USD), VE→VES (not VED).
// El Salvador is the exception: SV→USD, since the US dollar has been its currency of account
// since 2001 although List One still carries SVC.
//
// This gives the one currency an organisation in that country is billed in by default; a
// deployment can accept more currencies per organisation. It is not a list of every currency
// usable in a country.
//
// Three ISO 3166-1 codes have no entry: List One gives "No universal currency" for
// AQ (Antarctica), GS (South Georgia and the South Sandwich Islands) and PS (Palestine, State
// of), so localCurrencyOf() returns undefined for them and an organisation there needs its
// currency set explicitly.

const ROWS: ReadonlyArray<readonly [string, string]> = [
  ['AD', 'EUR'], // Andorra
  ['AE', 'AED'], // United Arab Emirates
  ['AF', 'AFN'], // Afghanistan
  ['AG', 'XCD'], // Antigua and Barbuda
  ['AI', 'XCD'], // Anguilla
  ['AL', 'ALL'], // Albania
  ['AM', 'AMD'], // Armenia
  ['AO', 'AOA'], // Angola
  ['AR', 'ARS'], // Argentina
  ['AS', 'USD'], // American Samoa
  ['AT', 'EUR'], // Austria
  ['AU', 'AUD'], // Australia
  ['AW', 'AWG'], // Aruba
  ['AX', 'EUR'], // Åland Islands
  ['AZ', 'AZN'], // Azerbaijan
  ['BA', 'BAM'], // Bosnia and Herzegovina
  ['BB', 'BBD'], // Barbados
  ['BD', 'BDT'], // Bangladesh
  ['BE', 'EUR'], // Belgium
  ['BF', 'XOF'], // Burkina Faso
  ['BG', 'EUR'], // Bulgaria (BGN withdrawn 2026-01-01)
  ['BH', 'BHD'], // Bahrain
  ['BI', 'BIF'], // Burundi
  ['BJ', 'XOF'], // Benin
  ['BL', 'EUR'], // Saint Barthélemy
  ['BM', 'BMD'], // Bermuda
  ['BN', 'BND'], // Brunei Darussalam
  ['BO', 'BOB'], // Bolivia
  ['BQ', 'USD'], // Bonaire, Sint Eustatius and Saba
  ['BR', 'BRL'], // Brazil
  ['BS', 'BSD'], // Bahamas
  ['BT', 'BTN'], // Bhutan
  ['BV', 'NOK'], // Bouvet Island
  ['BW', 'BWP'], // Botswana
  ['BY', 'BYN'], // Belarus
  ['BZ', 'BZD'], // Belize
  ['CA', 'CAD'], // Canada
  ['CC', 'AUD'], // Cocos (Keeling) Islands
  ['CD', 'CDF'], // Congo, Democratic Republic of the
  ['CF', 'XAF'], // Central African Republic
  ['CG', 'XAF'], // Congo
  ['CH', 'CHF'], // Switzerland
  ['CI', 'XOF'], // Côte d'Ivoire
  ['CK', 'NZD'], // Cook Islands
  ['CL', 'CLP'], // Chile
  ['CM', 'XAF'], // Cameroon
  ['CN', 'CNY'], // China
  ['CO', 'COP'], // Colombia
  ['CR', 'CRC'], // Costa Rica
  ['CU', 'CUP'], // Cuba (CUC withdrawn)
  ['CV', 'CVE'], // Cabo Verde
  ['CW', 'XCG'], // Curaçao (ANG replaced 2025)
  ['CX', 'AUD'], // Christmas Island
  ['CY', 'EUR'], // Cyprus
  ['CZ', 'CZK'], // Czechia
  ['DE', 'EUR'], // Germany
  ['DJ', 'DJF'], // Djibouti
  ['DK', 'DKK'], // Denmark
  ['DM', 'XCD'], // Dominica
  ['DO', 'DOP'], // Dominican Republic
  ['DZ', 'DZD'], // Algeria
  ['EC', 'USD'], // Ecuador
  ['EE', 'EUR'], // Estonia
  ['EG', 'EGP'], // Egypt
  ['EH', 'MAD'], // Western Sahara
  ['ER', 'ERN'], // Eritrea
  ['ES', 'EUR'], // Spain
  ['ET', 'ETB'], // Ethiopia
  ['FI', 'EUR'], // Finland
  ['FJ', 'FJD'], // Fiji
  ['FK', 'FKP'], // Falkland Islands (Malvinas)
  ['FM', 'USD'], // Micronesia
  ['FO', 'DKK'], // Faroe Islands
  ['FR', 'EUR'], // France
  ['GA', 'XAF'], // Gabon
  ['GB', 'GBP'], // United Kingdom
  ['GD', 'XCD'], // Grenada
  ['GE', 'GEL'], // Georgia
  ['GF', 'EUR'], // French Guiana
  ['GG', 'GBP'], // Guernsey
  ['GH', 'GHS'], // Ghana
  ['GI', 'GIP'], // Gibraltar
  ['GL', 'DKK'], // Greenland
  ['GM', 'GMD'], // Gambia
  ['GN', 'GNF'], // Guinea
  ['GP', 'EUR'], // Guadeloupe
  ['GQ', 'XAF'], // Equatorial Guinea
  ['GR', 'EUR'], // Greece
  ['GT', 'GTQ'], // Guatemala
  ['GU', 'USD'], // Guam
  ['GW', 'XOF'], // Guinea-Bissau
  ['GY', 'GYD'], // Guyana
  ['HK', 'HKD'], // Hong Kong
  ['HM', 'AUD'], // Heard Island and McDonald Islands
  ['HN', 'HNL'], // Honduras
  ['HR', 'EUR'], // Croatia (HRK withdrawn 2023)
  ['HT', 'HTG'], // Haiti
  ['HU', 'HUF'], // Hungary
  ['ID', 'IDR'], // Indonesia
  ['IE', 'EUR'], // Ireland
  ['IL', 'ILS'], // Israel
  ['IM', 'GBP'], // Isle of Man
  ['IN', 'INR'], // India
  ['IO', 'USD'], // British Indian Ocean Territory
  ['IQ', 'IQD'], // Iraq
  ['IR', 'IRR'], // Iran
  ['IS', 'ISK'], // Iceland
  ['IT', 'EUR'], // Italy
  ['JE', 'GBP'], // Jersey
  ['JM', 'JMD'], // Jamaica
  ['JO', 'JOD'], // Jordan
  ['JP', 'JPY'], // Japan
  ['KE', 'KES'], // Kenya
  ['KG', 'KGS'], // Kyrgyzstan
  ['KH', 'KHR'], // Cambodia
  ['KI', 'AUD'], // Kiribati
  ['KM', 'KMF'], // Comoros
  ['KN', 'XCD'], // Saint Kitts and Nevis
  ['KP', 'KPW'], // Korea, Democratic People's Republic of
  ['KR', 'KRW'], // Korea, Republic of
  ['KW', 'KWD'], // Kuwait
  ['KY', 'KYD'], // Cayman Islands
  ['KZ', 'KZT'], // Kazakhstan
  ['LA', 'LAK'], // Lao People's Democratic Republic
  ['LB', 'LBP'], // Lebanon
  ['LC', 'XCD'], // Saint Lucia
  ['LI', 'CHF'], // Liechtenstein
  ['LK', 'LKR'], // Sri Lanka
  ['LR', 'LRD'], // Liberia
  ['LS', 'LSL'], // Lesotho
  ['LT', 'EUR'], // Lithuania
  ['LU', 'EUR'], // Luxembourg
  ['LV', 'EUR'], // Latvia
  ['LY', 'LYD'], // Libya
  ['MA', 'MAD'], // Morocco
  ['MC', 'EUR'], // Monaco
  ['MD', 'MDL'], // Moldova
  ['ME', 'EUR'], // Montenegro
  ['MF', 'EUR'], // Saint Martin (French part)
  ['MG', 'MGA'], // Madagascar
  ['MH', 'USD'], // Marshall Islands
  ['MK', 'MKD'], // North Macedonia
  ['ML', 'XOF'], // Mali
  ['MM', 'MMK'], // Myanmar
  ['MN', 'MNT'], // Mongolia
  ['MO', 'MOP'], // Macao
  ['MP', 'USD'], // Northern Mariana Islands
  ['MQ', 'EUR'], // Martinique
  ['MR', 'MRU'], // Mauritania
  ['MS', 'XCD'], // Montserrat
  ['MT', 'EUR'], // Malta
  ['MU', 'MUR'], // Mauritius
  ['MV', 'MVR'], // Maldives
  ['MW', 'MWK'], // Malawi
  ['MX', 'MXN'], // Mexico
  ['MY', 'MYR'], // Malaysia
  ['MZ', 'MZN'], // Mozambique
  ['NA', 'NAD'], // Namibia
  ['NC', 'XPF'], // New Caledonia
  ['NE', 'XOF'], // Niger
  ['NF', 'AUD'], // Norfolk Island
  ['NG', 'NGN'], // Nigeria
  ['NI', 'NIO'], // Nicaragua
  ['NL', 'EUR'], // Netherlands
  ['NO', 'NOK'], // Norway
  ['NP', 'NPR'], // Nepal
  ['NR', 'AUD'], // Nauru
  ['NU', 'NZD'], // Niue
  ['NZ', 'NZD'], // New Zealand
  ['OM', 'OMR'], // Oman
  ['PA', 'PAB'], // Panama
  ['PE', 'PEN'], // Peru
  ['PF', 'XPF'], // French Polynesia
  ['PG', 'PGK'], // Papua New Guinea
  ['PH', 'PHP'], // Philippines
  ['PK', 'PKR'], // Pakistan
  ['PL', 'PLN'], // Poland
  ['PM', 'EUR'], // Saint Pierre and Miquelon
  ['PN', 'NZD'], // Pitcairn
  ['PR', 'USD'], // Puerto Rico
  ['PT', 'EUR'], // Portugal
  ['PW', 'USD'], // Palau
  ['PY', 'PYG'], // Paraguay
  ['QA', 'QAR'], // Qatar
  ['RE', 'EUR'], // Réunion
  ['RO', 'RON'], // Romania
  ['RS', 'RSD'], // Serbia
  ['RU', 'RUB'], // Russian Federation
  ['RW', 'RWF'], // Rwanda
  ['SA', 'SAR'], // Saudi Arabia
  ['SB', 'SBD'], // Solomon Islands
  ['SC', 'SCR'], // Seychelles
  ['SD', 'SDG'], // Sudan
  ['SE', 'SEK'], // Sweden
  ['SG', 'SGD'], // Singapore
  ['SH', 'SHP'], // Saint Helena, Ascension and Tristan da Cunha
  ['SI', 'EUR'], // Slovenia
  ['SJ', 'NOK'], // Svalbard and Jan Mayen
  ['SK', 'EUR'], // Slovakia
  ['SL', 'SLE'], // Sierra Leone (SLL withdrawn 2023-12-31)
  ['SM', 'EUR'], // San Marino
  ['SN', 'XOF'], // Senegal
  ['SO', 'SOS'], // Somalia
  ['SR', 'SRD'], // Suriname
  ['SS', 'SSP'], // South Sudan
  ['ST', 'STN'], // Sao Tome and Principe
  ['SV', 'USD'], // El Salvador
  ['SX', 'XCG'], // Sint Maarten (Dutch part) (ANG replaced 2025)
  ['SY', 'SYP'], // Syrian Arab Republic
  ['SZ', 'SZL'], // Eswatini
  ['TC', 'USD'], // Turks and Caicos Islands
  ['TD', 'XAF'], // Chad
  ['TF', 'EUR'], // French Southern Territories
  ['TG', 'XOF'], // Togo
  ['TH', 'THB'], // Thailand
  ['TJ', 'TJS'], // Tajikistan
  ['TK', 'NZD'], // Tokelau
  ['TL', 'USD'], // Timor-Leste
  ['TM', 'TMT'], // Turkmenistan
  ['TN', 'TND'], // Tunisia
  ['TO', 'TOP'], // Tonga
  ['TR', 'TRY'], // Türkiye
  ['TT', 'TTD'], // Trinidad and Tobago
  ['TV', 'AUD'], // Tuvalu
  ['TW', 'TWD'], // Taiwan
  ['TZ', 'TZS'], // Tanzania
  ['UA', 'UAH'], // Ukraine
  ['UG', 'UGX'], // Uganda
  ['UM', 'USD'], // United States Minor Outlying Islands
  ['US', 'USD'], // United States of America
  ['UY', 'UYU'], // Uruguay
  ['UZ', 'UZS'], // Uzbekistan
  ['VA', 'EUR'], // Holy See
  ['VC', 'XCD'], // Saint Vincent and the Grenadines
  ['VE', 'VES'], // Venezuela
  ['VG', 'USD'], // Virgin Islands (British)
  ['VI', 'USD'], // Virgin Islands (U.S.)
  ['VN', 'VND'], // Viet Nam
  ['VU', 'VUV'], // Vanuatu
  ['WF', 'XPF'], // Wallis and Futuna
  ['WS', 'WST'], // Samoa
  ['YE', 'YER'], // Yemen
  ['YT', 'EUR'], // Mayotte
  ['ZA', 'ZAR'], // South Africa
  ['ZM', 'ZMW'], // Zambia
  ['ZW', 'ZWG'], // Zimbabwe (ZWL withdrawn 2024)
];

export const COUNTRY_CURRENCY: ReadonlyMap<string, string> = new Map(ROWS);

/** Every ISO 3166-1 alpha-2 code: the table's, and the three with no currency of their own. */
const COUNTRY_CODES: ReadonlySet<string> = new Set([...COUNTRY_CURRENCY.keys(), 'AQ', 'GS', 'PS']);

/** Whether `code` is an assigned ISO 3166-1 alpha-2 country code (upper case; QQ, XX, ZZ are not). */
export function isCountryCode(code: string): boolean {
  return COUNTRY_CODES.has(code);
}

/** The default billing currency for an ISO 3166-1 alpha-2 code. Exact match only: 'us' is unknown. */
export function localCurrencyOf(country: string): string | undefined {
  return COUNTRY_CURRENCY.get(country);
}
