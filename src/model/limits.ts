// Every limit of the gateway, in one place, each with the reason for its value. A limit
// is a promise to users (a bigger input is refused with a code, never truncated) and a
// bound on what one request or document can cost. Units come last in the names
// (maxLineBytes, pollIntervalMs). test/model/limits.test.ts checks how limits relate:
// a line fits in a document, a field limit equals the width of the column that holds it.
// Settings (src/config.ts) take their defaults from here; where a limit is a setting,
// the value here is the default and the setting is checked against the hard bound.

const KiB = 1024;
const MiB = 1024 * KiB;

/** The reseller protocol's field lengths (../shared/spec/dep-reseller-api.md); the database columns have these widths. */
export const FIELD_LIMITS = {
  transactionIdChars: 64,
  orderNumberChars: 32,
  customerIdChars: 32,
  poNumberChars: 100,
  deliveryNumberChars: 32,
  deviceIdChars: 20,
  assetTagChars: 128,
  enrollmentTransactionIdChars: 64,
} as const;

/** Upper bounds on one canonical document: a bigger one is refused, never truncated. */
export const DOCUMENT_LIMITS = {
  /** Lines of one purchase order: far above any real order, low enough to hold in memory. */
  linesPerPurchaseOrder: 10_000,
  /** Devices of one ship notice (one order's delivery, one X12 set): one notice is held in memory at a time. */
  devicesPerShipNotice: 100_000,
  /** Units ordered on one line. */
  quantityPerLine: 1_000_000,
  /** Apple part numbers are ~10 characters ("MW6F3LL/A"); room for resellers' own. */
  partNumberChars: 40,
  lineNumberChars: 20,
  /** Where an item came from in its file ("line 12", an XML path): shown in errors and acks. */
  locationChars: 200,
  currencyChars: 3,
} as const;

/** Most characters of each canonical text field, whatever format it came in. */
export const MAX_FIELD_CHARS = {
  orderNumber: FIELD_LIMITS.orderNumberChars,
  customerId: FIELD_LIMITS.customerIdChars,
  poNumber: FIELD_LIMITS.poNumberChars,
  deliveryNumber: FIELD_LIMITS.deliveryNumberChars,
  serial: FIELD_LIMITS.deviceIdChars,
  assetTag: FIELD_LIMITS.assetTagChars,
  partNumber: DOCUMENT_LIMITS.partNumberChars,
  lineNumber: DOCUMENT_LIMITS.lineNumberChars,
  currency: DOCUMENT_LIMITS.currencyChars,
} as const;

/** `mapping test`: what it shows of a file read through a mapping. */
export const MAPPING_TEST_LIMITS = {
  /**
   * Canonical documents shown whole: enough to check a mapping on a real file's first
   * orders and deliveries; the rest are counted, so a million-row file answers in a page.
   */
  documentsShown: 20,
  /** Devices shown per ship notice: the first ones say whether serials and tags map right. */
  devicesShownPerNotice: 20,
  /**
   * A file tested over HTTP is held in memory: a partner's sample of a few thousand rows
   * is what a mapping is tried on; a whole day's file is for `mapping test` on the host.
   */
  httpFileBytes: 16 * MiB,
} as const;

/** Reading received files: what a reader holds at once, and what a file may be. */
export const INTAKE_LIMITS = {
  /**
   * One CSV line or X12 segment: a device row is ~100 bytes, an X12 segment far less; a
   * line 600 times that is a broken file, not data, and it bounds what a reader buffers.
   */
  maxLineBytes: 64 * KiB,
  /** Default of intake.maxDocumentBytes: a 1,000,000-device CSV ship notice is ~80 MB; room for 5x. */
  maxDocumentBytes: 512 * MiB,
  /**
   * Default of intake.maxJsonDocumentBytes: a JSON document is read as a stream, one order
   * at a time, but an order is held whole until it ends (its header may follow its
   * deliveries), so this bounds the largest order's memory.
   */
  maxJsonDocumentBytes: 32 * MiB,
  /**
   * Objects and arrays open at once in a JSON document or request body: the bulk-enroll
   * shape needs 7 (body, orders, order, deliveries, delivery, devices, device); 64 leaves
   * room for partners' extras and bounds the reader's stack of open containers.
   */
  jsonDepth: 64,
  /**
   * Members of one JSON object: the largest the formats define has 7 fields; extras are
   * tolerated, but every key is remembered until the object ends (to refuse a repeat), so
   * a 32 MiB object of distinct keys must not be.
   */
  jsonMembersPerObject: 10_000,
  /** Default of intake.maxErrorsPerDocument: enough to fix a file in one round, bounded so a garbage file stays cheap. */
  maxErrorsPerDocument: 1000,
  /** Read buffer: large enough to keep system calls few, small enough to stay flat. */
  readChunkBytes: 256 * KiB,
  /**
   * On SQLite, a document at least this large is read on a thread of its own, beside its apply
   * (formats/off-thread.ts): the thread's start, about 90 ms and begun while the bytes are
   * kept, is repaid from a few MiB (reading a CSV takes about 18 ms per MiB).
   */
  readOffThreadBytes: 4 * MiB,
  /** A batch the reading thread hands over: this many devices and lines (about one order of 1,000 devices), or one larger document. */
  readOffThreadBatchWeight: 1000,
  /**
   * The reading thread's young generation (V8's default is 48 MiB): what it reads dies young,
   * and a smaller nursery kept a million-serial ingest about 20 MiB lower, no slower.
   */
  readOffThreadYoungGenerationMb: 8,
  /**
   * On PostgreSQL, each intake process's young-generation semi-space, in MiB (V8's default
   * is 16, and the young generation grows to three of them). Capped, the intake processes
   * under the reseller API's load peaked at 282 and 287 MiB against 313 and 318, at the
   * same rate, and the command line's ingest of a million serials at 200 to 217 MiB against
   * 220 to 227. On SQLite the one intake process peaked higher with it (148 and 149 MiB
   * against 129 and 132: more is promoted to the old generation), so it keeps V8's default
   * there. V8 sizes the heap when a process starts: only the processes `serve` starts have it.
   */
  intakeProcessSemiSpaceMb: 8,
  /** Input chunks (readChunkBytes each) the reading thread asks for ahead of its reading: the intake thread sends them between its own steps. */
  readOffThreadChunksAhead: 4,
  /**
   * Devices and lines (the batches' weight) handed over and not yet applied: the reading
   * thread waits beyond this, with one batch always on its way, so that memory stays what
   * one document needs: eight batches of 1,000. Counted in batches, eight ship notices of
   * 100,000 devices each could wait at once, on both threads' heaps: a one-order JSON
   * document (647,400 devices) peaked at 607 to 611 MiB, counted in weight at 500 to 523,
   * for 0.5 s more (10.6 against 10.1 s).
   */
  readOffThreadWeightAhead: 8_000,
  /**
   * Ship notices of new, independent orders applied together, on PostgreSQL (one load, one
   * decision, one write: DocumentRun.applyTogether), and their devices at most. Applied one
   * by one, each notice asked the server about twelve questions: a million-serial CSV sent
   * 12,300 statements, together five at a time 4,200, and took 21.5 s against 24.4 s.
   * Bounded, as the batch's items, world and changes are held at once: ten at a time peaked
   * at 255 MiB. On SQLite a question costs next to nothing, and holding more at once only
   * cost memory and collection (three at a time: 10.7 s and 260 MiB against 10.6 s and
   * 228 MiB; five: 13.2 s).
   */
  togetherNotices: 5,
  togetherDevices: 10_000,
  /**
   * A sale's ship notice of more devices than this is applied in portions of this many
   * (domain/documents.ts shipNoticePortions): what a notice's apply holds at once (its
   * world, decisions, rows and outcomes) grows with its devices, about 600 bytes each,
   * and V8 grew the heap to about four times that. A JSON document of one order with
   * deliveries of 100,000 devices peaked at 589 MiB in its intake process, and the same
   * devices in deliveries of 10,000 at 300 MiB. The same as togetherDevices: the most
   * devices the gateway decides at once.
   */
  noticePortionDevices: 10_000,
  /** Head of a file read to pick its format and mapping: an ISA, a GS and the first ST, or an XML prolog and root element. */
  headBytes: 64 * KiB,
  /** Raw bytes are kept in chunks of this size: row counts stay low, and no value holds a whole file. */
  contentChunkBytes: 1 * MiB,
  /**
   * Chunks of raw bytes compressed ahead of their insert: zlib's asynchronous calls run on
   * libuv's pool (4 threads), so this many compress beside intake's own thread, 4 MiB in flight.
   */
  contentCompressionAhead: 4,
  /** One XML document element's text (a PurchaseOrder, a ShipNotice): built whole with xml2js, 64 Mi UTF-16 units, 128 MiB of string memory. */
  xmlElementChars: 64 * MiB,
  /** Elements in one XML document element: bounds its outline. */
  xmlElementsPerDocument: 1_000_000,
  /** Nesting inside one XML document element (cXML needs about 8): bounds recursion over it. */
  xmlDepth: 64,
  /** Progress is shown on a terminal only for files that take a while to read. */
  progressMinBytes: 4 * MiB,
} as const;

/** Limits of the X12 reader, named so that each refusal can say which one it hit. */
export const X12_LIMITS = {
  /**
   * Segments one transaction set may hold: a ship notice of the largest size, with room
   * for a few segments per device (HL, LIN, SN1, REF, MAN...) and its heading.
   */
  segmentsPerSet: DOCUMENT_LIMITS.devicesPerShipNotice * 10 + 1_000,
  /** Functional groups per interchange and sets per group: bounds the 997 we write back. */
  groupsPerInterchange: 10_000,
  setsPerGroup: 100_000,
  /** Element errors kept per set for the 997 (AK4s), and segment errors (AK3s). */
  segmentErrorsPerSet: 1_000,
  /** Characters of a segment repeated in an error's `at`. */
  previewChars: 40,
  /** AK404 repeats a bad value of at most this many characters. */
  badValueChars: 99,
} as const;

/** The reseller API's request bounds (defaults of the `limits` settings). */
export const RESELLER_API_LIMITS = {
  /** A 10,000-device transaction is ~600 KB of JSON; room for long asset tags. */
  maxBodyBytes: 5 * MiB,
  /** The protocol's own DEP-ERR-3007 bound. */
  maxOrdersPerTransaction: 1000,
  /** The protocol's own DEP-ERR-3005 bound. */
  maxDevicesPerTransaction: 10_000,
  /** show-order-details answers every order whole: bounded so one request stays small. */
  maxOrderNumbersPerShowRequest: 100,
  /** A bearer key is 40-odd characters; anything much longer is not one, and is not hashed. */
  maxKeyChars: 200,
} as const;

/** Writing to the database. */
export const STORE_LIMITS = {
  /** Rows per multi-row insert: within SQLite's and PostgreSQL's bound-parameter limits at 12 columns. */
  writeBatchRows: 500,
  /** Values bound in one IN (...) list: well under SQLite's 32,766 bound parameters. */
  whereInValues: 1000,
  /** Organisations a finance key may be limited to: bound once per report query. */
  maxFinanceScopeOrgs: 1000,
  /**
   * Prepared statements a better-sqlite3 connection keeps, by SQL text: a ship notice runs
   * the same twenty or so statements, and preparing them again for each of a
   * million-serial file's thousand notices took 1 of its 20 s. Bounded, because an IN list's
   * text changes with its length.
   */
  cachedStatements: 200,
  /**
   * Device outcomes read back at once (acknowledgements, a document's devices): items are
   * fetched in groups of at most this many devices (or one item when it holds more), so
   * memory stays flat whatever the document's size.
   */
  outcomeReadDevices: 20_000,
  /** Item rows of device outcomes listed at once, before their outcomes are fetched. */
  outcomeItemsListed: 1000,
  /**
   * Rows of new devices, order lines and history serials a document holds before it writes
   * them (store/sets.ts HeldSets): on PostgreSQL each COPY costs a few milliseconds of its
   * own, and a million serials copied order by order (3,000 COPYs of 1,000 rows) spent
   * seconds on it. With 20,000 the process peaked 15 to 30 MiB higher than with 10,000
   * (238 to 252 MiB against 219 to 224). 5,000 rows, a unit of five ship notices of a
   * thousand: once the rows go behind the unit's reads (HeldSets.handOver), the server
   * copies one unit's rows while the gateway goes on to the next, and a million-serial CSV
   * took 14.1 s against 15.0 with 10,000 and 15.3 to 15.4 with 20,000.
   */
  heldSetRows: 5_000,
} as const;

/** The /v1 query API. */
export const API_LIMITS = {
  /** A JSON request to the query API is a handful of fields or a list of serials. */
  maxJsonBodyBytes: 1 * MiB,
  /** Rows per page of any list; the default when limit is not given. */
  maxPageSize: 1000,
  defaultPageSize: 100,
  /** A cursor is a few keys, base64url: anything longer was not made by the gateway. */
  maxCursorChars: 400,
  /** The largest integer key a cursor may carry: the range of the tables' integer ids. */
  maxIntegerKey: 2_147_483_647,
  /** Depth to which a request body is walked for control characters; deeper bodies are refused by their schemas. */
  maxBodyWalkDepth: 32,
  /** Serials named in an audit entry of an assignment; a larger one is counted, not listed. */
  auditSerialsListed: 100,
  /** A device's history shown: the latest events. */
  historyEvents: 1000,
  /** Deliveries listed with one order; deliveryCount says how many there are. */
  deliveriesListed: 1000,
  /** Names (organisations, suppliers) and server names, as their columns hold them. */
  nameChars: 200,
  serverChars: 100,
  /** A release's reason, as released_devices.reason holds it. */
  releaseReasonChars: 200,
} as const;

/** /v1/documents. */
export const DOCUMENT_API_LIMITS = {
  /** Items listed in GET /v1/documents/{id}; the rest are counted (itemsTotal). */
  maxItemsListed: 1000,
  /** A document id is "doc_" and a UUID (40 characters); a little room, no more. */
  documentIdChars: 48,
  /** X-File-Name and X-Gateway-Mapping: names, not payloads. */
  fileNameChars: 200,
  /** A mapping id, as documents.mapping_id holds it. */
  mappingIdChars: 64,
  /**
   * Refused devices and lines listed in an upload's answer and a document's view: enough
   * to see what went wrong at a glance, small enough to keep the answer small; the count
   * says how many were left off, and the acknowledgement lists them all.
   */
  maxRefusalsListed: 100,
  /**
   * An upload refused as too large before its body ended: the 413 is sent, and the rest of
   * the body read and thrown away for this long at most, so that the client, still
   * sending, reads the answer instead of a connection reset (closing a socket with unread
   * bytes resets it); then the connection is closed. Apache lingers 2 s, nginx up to 30 s.
   */
  refusedUploadLingerMs: 5_000,
  /** ... and for this many bytes at most: a fast client on a LAN sends this in well under a second. */
  refusedUploadLingerBytes: 64 * MiB,
} as const;

/** Volume credit: the ledger's ranges and the sizes of its fields. */
export const CREDIT_LIMITS = {
  /**
   * Largest amount, balance or total the ledger holds, in minor units: 10^15 (ten trillion
   * dollars, a quadrillion yen). Below 2^53, so every amount is also an exact JavaScript
   * number, whichever way a database driver answers a bigint.
   */
  maxMinorUnits: 10n ** 15n,
  /** Redemption codes one credit line may produce (one per unit of its quantity). */
  maxUnitsPerLine: 10_000,
  /** Units of one content purchase. */
  maxPurchaseQuantity: 100_000,
  locationChars: 64,
  itemIdChars: 100,
  idempotencyKeyChars: 150,
} as const;

/** The credit HTTP API. */
export const CREDIT_API_LIMITS = {
  /** A JSON request here is a handful of short fields. */
  maxJsonBodyBytes: 64 * KiB,
  /** A purchase history: about 100,000 rows of ~150 bytes. */
  maxPurchaseCsvBytes: 16 * MiB,
  defaultCodesListed: 1000,
  maxCodesListed: 10_000,
  orderNumberChars: FIELD_LIMITS.orderNumberChars,
  /** Code and entry ids (crc_..., cre_...). */
  idChars: 60,
  /** An organisation id (the protocol's customerId). */
  orgIdChars: FIELD_LIMITS.customerIdChars,
} as const;

/** A purchase-history CSV (content purchases spent from a credit account). */
export const PURCHASE_CSV_LIMITS = {
  /** Bytes of one line (its newline not counted): a purchase row is well under 1 KiB. */
  maxLineBytes: INTAKE_LIMITS.maxLineBytes,
  /** Errors kept per file; the last slot says that reading stopped there. */
  maxErrors: 100,
  /** Default of credit.maxPurchaseRows: a year of a large organisation's purchases. */
  maxRows: 100_000,
} as const;

/** The credit reconciliation report. */
export const REPORT_LIMITS = {
  /** Longest period, in days (both ends included): ten years and a few leap days. */
  maxPeriodDays: 3660,
  /** Mismatches listed per kind; mismatchCounts has the full counts. */
  maxMismatchesListed: 1000,
  /** Ledger entries read per query by the entries export: memory stays flat whatever the period holds. */
  entriesPerPage: 5000,
  /**
   * Ledger entries in one XLSX workbook: it is built whole in memory (about 1 KiB an entry
   * before compression), and a spreadsheet opens a sheet of this many rows comfortably
   * (Excel's limit is 1,048,576). More: the CSV, which streams.
   */
  xlsxEntryRows: 100_000,
  /** Organisations in one orgIds filter: as many as a finance key may cover. */
  maxOrgIds: STORE_LIMITS.maxFinanceScopeOrgs,
} as const;

/** Streamed CSV exports of devices. */
export const EXPORT_LIMITS = {
  /**
   * Rows per keyset query: large enough that per-query overhead is small next to the rows
   * (a batch is ~300 KB of CSV), small enough that one batch is a short statement and a
   * small, fixed amount of memory.
   */
  batchRows: 2000,
  /**
   * Rows in one export: about 650 MB of CSV and, at the benchmark's rate (~130,000 rows/s
   * on 2 cores), under a minute of streaming; already nearly five times what a spreadsheet
   * opens (1,048,576 rows). Counted before the first byte; a larger selection is refused
   * (GW-EXP-4220): export it by order instead.
   */
  maxRows: 5_000_000,
  /** Orders in one order export (the `order` parameter, repeated). */
  maxOrders: 100,
} as const;

/** Assigning devices to device-management servers. */
export const ASSIGNMENT_LIMITS = {
  /** Serials named in one request, and devices one request may reach through orders. */
  maxDevices: 10_000,
  /** Orders named in one request. */
  maxOrders: 100,
  /** A server's name, as org_default_servers.server and devices.server hold it. */
  serverChars: API_LIMITS.serverChars,
  /** Refusals listed in one answer; the count says how many there were in all. */
  maxRefusalsListed: 1000,
} as const;

/** Metrics: label values are bounded so that a scraper's memory is. */
export const METRICS_LIMITS = {
  /** Distinct route labels; further routes are counted as "other". */
  maxRouteLabels: 500,
  maxRouteLabelChars: 200,
} as const;

/** Apple's business API for organisations (spec/abm-org-api.md): accounts, tokens, pages. */
export const BUSINESS_API_LIMITS = {
  /** An access token lives an hour, as Apple's do: clients fetch a new one on expiry. */
  tokenLifetimeSeconds: 3600,
  /** A client assertion may be reused for its whole life, at most 180 days (Apple's rule). */
  maxAssertionLifetimeSeconds: 180 * 24 * 3600,
  /** Clock skew allowed on `iat` and `exp`: one client backdates `iat` by a minute. */
  clockSkewSeconds: 300,
  /** A token request's form body: five fields, one of them a JWT. */
  maxTokenBodyBytes: 16 * 1024,
  /** A client assertion longer than this is no ES256 JWT of a registered key. */
  maxAssertionChars: 4096,
  /** Token requests per client id (or address, before the client is known) per window. */
  tokenRequestsPerWindow: 30,
  /**
   * Resource requests per client id per window: a client paging through 100,000 devices
   * 1000 at a time needs 100; a runaway loop is slowed before it crowds out the others.
   */
  resourceRequestsPerWindow: 600,
  rateWindowSeconds: 60,
  /** Distinct callers a limiter remembers; the oldest window is dropped first. */
  limiterEntries: 10_000,
  /** Page sizes: Apple's 1 to 1000, 100 without `limit`. */
  maxPageSize: 1000,
  defaultPageSize: 100,
  /** A key id as registered: Apple's are UUIDs; room for others, printable ASCII. */
  keyIdChars: 64,
  /** A public key given as PEM or JWK text. */
  maxPublicKeyChars: 4096,
  /** An account's label. */
  labelChars: 100,
} as const;

/** Device activities of the business API (assign, unassign, release). */
export const ACTIVITY_LIMITS = {
  /** Devices named in one activity: as many as one gateway assignment reaches. */
  maxDevices: ASSIGNMENT_LIMITS.maxDevices,
  /**
   * A claim older than this is a process that died while running the activity: another
   * takes it over (the activity's writes are one transaction, so nothing is done twice).
   */
  staleClaimMs: 5 * 60 * 1000,
} as const;

/** The console's sign-in sessions (src/channels/http/console.ts). */
export const CONSOLE_LIMITS = {
  /**
   * A session unused this long ends: a console left open on a shared desk stops answering
   * (the 30 minutes NIST SP 800-63B allows for re-authentication after inactivity).
   */
  sessionIdleMs: 30 * 60 * 1000,
  /** However busy, a session ends after a working day; the key signs in again. */
  sessionLifetimeMs: 12 * 60 * 60 * 1000,
  /** Sign-in attempts per address per window: keys are 192 random bits, this only slows a runaway script. */
  signInsPerWindow: 20,
  /** A session's last use is written at most this often: a page of twenty calls is one write, not twenty. */
  touchEveryMs: 60 * 1000,
} as const;
