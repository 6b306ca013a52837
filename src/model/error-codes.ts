// The error-code catalogue: every code the gateway can answer with, and its message
// templates. Codes come from the reseller wire protocol (../shared/spec) where the public
// record has one; the GW- codes are the gateway's own, for rules the public record lacks.
//
// Templates name their parameters in braces ({serial}); renderMessage fills them.
// English is complete by construction (the type requires it); other languages may be
// partial, and fall back to English code by code.

export const ERROR_CODES = {
  // Transaction level (bulk-enroll-devices)
  'DEP-ERR-3001': 'Transaction ID is missing.',
  'DEP-ERR-3002': 'Transaction ID is too long: at most {max} characters.',
  'DEP-ERR-3003': 'Orders are missing: a transaction carries at least one order.',
  'DEP-ERR-3004': 'Order number is missing (order {index}).',
  'DEP-ERR-3005': 'Device limit per transaction exceeded: {count} devices, at most {max}.',
  'DEP-ERR-3006': 'Order number is too long: at most {max} characters ({orderNumber}).',
  'DEP-ERR-3007': 'Order limit per transaction exceeded: {count} orders, at most {max}.',
  // check-transaction-status
  'DEP-ERR-4001': 'Device enrollment transaction ID is missing.',
  'DEP-ERR-4002': 'Device enrollment transaction ID is too long: at most {max} characters.',
  'DEP-ERR-4003': 'The transaction is still being processed. Try again later.',
  'DEP-ERR-4004': 'Device enrollment transaction ID is invalid: {id}.',
  'DEP-ERR-4005': 'Unable to process the request. Try again later.',
  // Order level
  'DEP-ERR-OR-4101': 'Customer ID is missing.',
  'DEP-ERR-OR-4102': 'Customer ID is invalid: no organisation {customerId}.',
  'DEP-ERR-OR-4103': 'Customer ID is too long: at most {max} characters.',
  'DEP-ERR-OR-4104': 'Order date is missing.',
  'DEP-ERR-OR-4105': 'Order date is invalid: {value} (expected YYYY-MM-DDThh:mm:ssZ).',
  'DEP-ERR-OR-4106': 'Order type is missing.',
  'DEP-ERR-OR-4107': 'Order type is invalid: {value} (expected OR, RE, VD or OV).',
  'DEP-ERR-OR-4108': 'PO number is too long: at most {max} characters.',
  'DEP-ERR-OR-4109': 'Order {orderNumber} was not found{reason}.',
  'DEP-ERR-OR-4110':
    'Order {orderNumber} already exists with a different {field}; correct it with an OV or VD order.',
  'DEP-ERR-OR-4111': 'Delivery number is missing.',
  'DEP-ERR-OR-4112': 'Delivery number is too long: at most {max} characters ({deliveryNumber}).',
  'DEP-ERR-OR-4113': 'A VD order must not carry deliveries.',
  'DEP-ERR-OR-4114': 'Invalid or missing information: {detail}.',
  // Delivery level
  'DEP-ERR-DL-4201': 'Ship date is missing.',
  'DEP-ERR-DL-4202': 'Ship date is invalid: {value} (expected YYYY-MM-DDThh:mm:ssZ).',
  'DEP-ERR-DL-4203': 'Ship date {shipDate} is before the order date {orderDate}.',
  'DEP-ERR-DL-4205': 'Device ID is missing (device {index} of delivery {deliveryNumber}).',
  'DEP-ERR-DL-4206': 'Device ID is too long: at most {max} characters ({deviceId}).',
  'DEP-ERR-DL-4207': 'Delivery information is invalid: {detail}.',
  // Device level
  'DEP-ERR-DE-4301': 'Device ID {deviceId} is invalid: {detail}.',
  'DEP-ERR-DE-4302': 'Asset tag of device {deviceId} is too long: at most {max} characters.',
  'DEP-ERR-DE-4303': 'Device {deviceId} cannot be in different OR/OV orders: it is in order {otherOrder}.',
  'DEP-ERR-DE-4304': 'Device {deviceId} is enrolled to another customer.',
  'DEP-ERR-DE-4305': "Device {deviceId} is in another reseller's OR/OV order.",
  'DEP-ERR-DE-4306': 'Device {deviceId} cannot be located{reason}.',
  // show-order-details
  'DEP-ERR-5001': 'Order number is required.',
  'DEP-ERR-5002': 'Order {orderNumber} was not found.',
  'DEP-ERR-5003': 'Unable to process the request. Try again later.',
  'DEP-ERR-5004': 'Unable to process the request. Try again later.',
  // Platform
  'GRX-1000': 'The request body is not valid JSON: {detail}.',
  'GRX-1056': 'Reseller ID (depResellerId) is missing.',
  'GRX-5004': 'Data type mismatch at {path}: {detail}.',
  'GRX-16001': 'Internal server error (reference {reference}).',
  'GRX-16002': 'Invalid content type {contentType}: send application/json.',
  'GRX-50001': 'Not authorised: {detail}.',
  'GRX-50020': 'Ship-To is required.',
  'GRX-50022': 'Time zone {value} is invalid: give minutes from UTC (e.g. "420") or an IANA id.',
  'GRX-50025': 'Ship-To entered is not valid. Please enter a valid Ship-To',
  'GRX-50026': 'Ship-To {shipTo} is no longer active.',
  'GRX-50031': 'Language code is required.',
  'GRX-50038': 'Client certificate is missing or invalid.',
  'GRX-90004': 'No permission to act for reseller ID {depResellerId}.',
  // Gateway-owned
  'GW-DE-4310':
    'Device {deviceId} was released by an organisation on {releasedOn} and cannot be enrolled again by an order.',
  'GW-DE-4311': 'Device {serial} is not enrolled to organisation {orgId} (it is {state}).',
  'GW-DE-4312': 'Return {orderNumber} is dated {returnDate}, not after order {otherOrder} ({orderDate}) that it returns.',
  'GW-OR-4120':
    'Organisation {customerId} has not added reseller {depResellerId}: {count} device(s) are held as pending and will be enrolled when it does.',
  'GW-OR-4121': 'Order {orderNumber} was voided; use a new order number.',
  'GW-TX-3010': 'Transaction ID {transactionId} was already used by this reseller with a different body.',
  'GW-TX-3011': 'The request body is too large: at most {max} bytes.',
  'GW-TX-3012': 'Too many order numbers in one request: {count}, at most {max}.',
  // Query API: orders, devices and organisations that a caller names and cannot see
  // (another organisation's or reseller's is answered exactly like a missing one)
  'GW-OR-4140': 'Order {supplierId}/{orderNumber} was not found.',
  'GW-DE-4320': 'Device {serial} was not found.',
  'GW-ORG-4040': 'Organisation {orgId} was not found.',
  // Server assignment (src/domain/assignment.ts): all or nothing, GW-AS-4400 with each refusal
  'GW-AS-4400': '{count} of {total} request entries cannot be assigned to server {server}; nothing was changed.',
  'GW-AS-4401': 'Device {serial} is not a device of organisation {orgId}.',
  'GW-AS-4402': 'Device {serial} is {state}: only an enrolled device can be assigned to a server.',
  'GW-AS-4403': 'Device {serial} is pending until organisation {orgId} adds reseller {supplierId}; assign it once it is enrolled.',
  'GW-AS-4404': 'Order {supplierId}/{orderNumber} is not an order of organisation {orgId}.',
  'GW-AS-4405': 'Order {supplierId}/{orderNumber} holds no device now (its devices were returned, voided, removed or released).',
  'GW-AS-4406': 'Too many devices in one assignment: {count}, at most {max}.',
  'GW-AS-4407': 'Device {serial} is on server {current}, not {server}: it cannot be unassigned from {server}.',
  // Device exports (CSV)
  'GW-EXP-4041': 'No order {order}.',
  'GW-EXP-4042': 'No organisation {orgId}.',
  'GW-EXP-4220': 'The export has more than {max} rows, the limit of one export: export fewer orders, or by order rather than every available device.',
  // Documents (intake): every one names where ({at}: file, line, segment or element).
  'GW-DOC-6001': 'The document is not valid UTF-8 ({at}).',
  'GW-DOC-6002': 'The document is too large: {size} bytes, at most {max}.',
  'GW-DOC-6003': 'This document was already received from this partner: document {firstId} on {receivedAt} ({status}).{replay}',
  'GW-DOC-6004': 'Interchange control number {controlNumber} was already received from this partner in document {firstId}.',
  'GW-DOC-6005': 'No mapping applies: {detail}.',
  'GW-DOC-6006': 'The document format is not recognised ({at}): {detail}.',
  'GW-DOC-6007': 'The document is empty.',
  'GW-DOC-6008': 'Too many errors: stopped after {max}; nothing was applied.',
  'GW-DOC-6009': 'Limit exceeded ({at}): {detail}.',
  'GW-DOC-6010': 'Ship notice {deliveryNumber} waits for order {orderNumber}: it applies when the order arrives.',
  'GW-DOC-6011': 'Document {documentId} cannot be replayed: it is {status}.',
  'GW-DOC-6012': 'Document {documentId} was not found.',
  'GW-DOC-6013': 'A control character or non-character ({char}) that the format does not allow, at {at}.',
  'GW-DOC-6015': 'Document {documentId} has no {kind} acknowledgement; it has: {available}.',
  'GW-DOC-6020': 'The document is not valid {encoding}, the encoding its mapping names ({at}).',
  'GW-DOC-6021': 'The acknowledgements of document {documentId} cannot be said: the mapping {mappingId} that read it is not loaded, and the document is older than the record of what its partner wanted.',
  // Mapped fields, whatever the format
  'GW-MAP-6201': '{field} is missing ({at}).',
  'GW-MAP-6202': '{field} {value} is not a date in the format {formats} ({at}).',
  'GW-MAP-6203': '{field} {value} is not a number ({at}).',
  'GW-MAP-6204': '{field} is too long: at most {max} characters ({at}).',
  'GW-MAP-6205': '{field} {value} is invalid ({at}): {detail}.',
  'GW-MAP-6206': 'Rows of one {what} disagree on {field}: {first} and then {value} ({at}).',
  'GW-MAP-6210': 'The mappings were not reloaded; version {version} stays in use: {detail}.',
  // CSV
  'GW-CSV-6101': 'The CSV is malformed ({at}): {detail}.',
  'GW-CSV-6102': 'Unknown column {column} in the header ({at}); the mapping does not name it.',
  'GW-CSV-6103': 'Column {column} for {field} is missing from the header ({at}).',
  // XML
  'GW-XML-6301': 'The XML is not well-formed ({at}): {detail}.',
  'GW-XML-6302': 'DOCTYPE and entity declarations are refused ({at}).',
  'GW-XML-6303': 'Unexpected XML ({at}): {detail}.',
  // X12
  'GW-X12-6401': 'The ISA segment is malformed ({at}): {detail}.',
  'GW-X12-6402': 'Segment {segment} is invalid ({at}): {detail}.',
  'GW-X12-6403': 'Control number mismatch ({at}): {detail}.',
  'GW-X12-6404': 'Count mismatch ({at}): {segment} says {declared}, counted {counted}.',
  'GW-X12-6405': 'The interchange is truncated ({at}): {detail}.',
  'GW-X12-6406': 'Transaction set {setId} is not supported ({at}).',
  'GW-X12-6407': 'The HL hierarchy is invalid ({at}): {detail}.',
  // Volume (VPP) credit
  'GW-CR-7001': 'Currency {currency} is not an ISO 4217 currency that volume credit can be sold in{detail}.',
  'GW-CR-7002': 'The {field} must be a decimal string such as "1500.00", not {value}: floating-point numbers are refused.',
  'GW-CR-7003': 'The {field} must be positive: {value}.',
  'GW-CR-7004': 'The {field} {value} has more decimals than {currency} has ({minorUnit}).',
  'GW-CR-7005': 'The {field} must be a whole number from 1 to {max}: {value}.',
  'GW-CR-7006': 'The {field} is invalid: {value} (expected {detail}).',
  'GW-CR-7007': 'Volume credit is not sold to organisations in {country} (organisation {orgId}).',
  'GW-CR-7008': 'Line {line}: organisation {orgId} is not sold credit in {currency}; it accepts {accepted}.',
  'GW-CR-7009': 'Line {line}: the amount {amount} {currency} does not divide into {quantity} equal codes.',
  'GW-CR-7010': 'The {field} {value} {currency} is above the largest amount the ledger holds.',
  'GW-CR-7011': 'No {which} credit limit is configured for {currency}: set it in credit.limits to sell credit in {currency}.',
  'GW-CR-7012': 'Order {orderNumber} carries {total} {currency} of credit, above the per-order limit of {limit} {currency}.',
  'GW-CR-7013': 'Organisation {orgId} holds {held} {currency} of credit; {total} {currency} more would exceed its limit of {limit} {currency}.',
  'GW-CR-7014':
    'Order {orderNumber} line {line} is on file as {onFile}; issued credit is corrected by an RE or VD order, not by sending the line again changed.',
  'GW-CR-7015': 'Order {orderNumber} line {line}: the amount {amount} {currency} does not match the codes taken back ({expected} {currency}).',
  'GW-CR-7016':
    'Order {orderNumber} line {line}: cannot take back {wanted} codes: {redeemedUnits} are redeemed ({redeemed} of {issued} {currency} issued) and {left} are left to take back.',
  'GW-CR-7017': 'No credit order {orderNumber} line {line} on file from this supplier to take back from.',
  'GW-CR-7018': 'Order {orderNumber} line {line}: the take-back is in {currency}, but the line was sold in {lineCurrency}.',
  'GW-CR-7019': 'Order {orderNumber} is on file for organisation {onFileOrgId}, not {orgId}: an order number belongs to one organisation.',
  'GW-CR-7020': 'Unknown redemption code.',
  'GW-CR-7021': 'This code was already redeemed, on {at}.',
  'GW-CR-7022': 'This code belongs to another organisation.',
  'GW-CR-7023': 'This code is for {codeCurrency}, not {currency}: redeem it into a {codeCurrency} account.',
  'GW-CR-7024': 'This code cannot be redeemed: it was {state} on {at}.',
  'GW-CR-7025': 'This code was replaced on {at} by a re-issued code: use the new one.',
  'GW-CR-7026': 'Entry {entryId} cannot be reversed: only a content purchase (spent) can, and it is {kind}.',
  'GW-CR-7027': 'Entry {entryId} is already reversed.',
  'GW-CR-7028': 'Insufficient credit: account {location} ({currency}) holds {balance} {currency}; this needs {amount} {currency}.',
  'GW-CR-7029': 'Organisation {orgId} has no {currency} account for location {location}: redeem a code into it first.',
  'GW-CR-7030': 'An idempotency key is required: 1 to {max} printable ASCII characters.',
  'GW-CR-7031': 'Idempotency key {key} was already used for a different request.',
  'GW-CR-7032': 'Code {codeId} cannot be re-issued: it is {state}.',
  'GW-CR-7033': 'Unknown {what}: {id}.',
  'GW-CR-7034': 'The purchase history is invalid ({at}): {detail}.',
  'GW-CR-7035': 'The report period is invalid: {detail}.',
  'GW-CR-7036': 'The period holds more than {max} ledger entries, too many for one workbook: ask for the entries as CSV, which streams any number.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type MessageParams = Record<string, string | number | undefined>;

/** A coded result: what every refusal in the gateway is made of. */
export interface CodedError {
  code: ErrorCode;
  params?: MessageParams;
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}
