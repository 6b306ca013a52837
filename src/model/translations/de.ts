import type { ErrorCode } from '../error-codes.js';

// German messages for the error catalogue; codes missing here fall back to English.
export const DE: Partial<Record<ErrorCode, string>> = {
  // Transaction level (bulk-enroll-devices)
  'DEP-ERR-3001': 'Die Transaktions-ID fehlt.',
  'DEP-ERR-3002': 'Die Transaktions-ID ist zu lang: höchstens {max} Zeichen.',
  'DEP-ERR-3003': 'Bestellungen fehlen: Eine Transaktion enthält mindestens eine Bestellung.',
  'DEP-ERR-3004': 'Die Bestellnummer fehlt (Bestellung {index}).',
  'DEP-ERR-3005':
    'Höchstzahl an Geräten pro Transaktion überschritten: {count} Geräte, höchstens {max}.',
  'DEP-ERR-3006': 'Die Bestellnummer ist zu lang: höchstens {max} Zeichen ({orderNumber}).',
  'DEP-ERR-3007':
    'Höchstzahl an Bestellungen pro Transaktion überschritten: {count} Bestellungen, höchstens {max}.',
  // check-transaction-status
  'DEP-ERR-4001': 'Die ID der Geräteregistrierungstransaktion fehlt.',
  'DEP-ERR-4002': 'Die ID der Geräteregistrierungstransaktion ist zu lang: höchstens {max} Zeichen.',
  'DEP-ERR-4003': 'Die Transaktion wird noch verarbeitet. Versuchen Sie es später erneut.',
  'DEP-ERR-4004': 'Die ID der Geräteregistrierungstransaktion ist ungültig: {id}.',
  'DEP-ERR-4005': 'Die Anfrage kann nicht verarbeitet werden. Versuchen Sie es später erneut.',
  // Order level
  'DEP-ERR-OR-4101': 'Die Kunden-ID fehlt.',
  'DEP-ERR-OR-4102': 'Die Kunden-ID ist ungültig: Es gibt keine Organisation {customerId}.',
  'DEP-ERR-OR-4103': 'Die Kunden-ID ist zu lang: höchstens {max} Zeichen.',
  'DEP-ERR-OR-4104': 'Das Bestelldatum fehlt.',
  'DEP-ERR-OR-4105': 'Das Bestelldatum ist ungültig: {value} (erwartet: YYYY-MM-DDThh:mm:ssZ).',
  'DEP-ERR-OR-4106': 'Der Bestelltyp fehlt.',
  'DEP-ERR-OR-4107': 'Der Bestelltyp ist ungültig: {value} (erwartet: OR, RE, VD oder OV).',
  'DEP-ERR-OR-4108': 'Die PO-Nummer ist zu lang: höchstens {max} Zeichen.',
  'DEP-ERR-OR-4109': 'Die Bestellung {orderNumber} wurde nicht gefunden{reason}.',
  'DEP-ERR-OR-4110':
    'Die Bestellung {orderNumber} existiert bereits mit einem anderen Wert für {field}; korrigieren Sie dies mit einer OV- oder VD-Bestellung.',
  'DEP-ERR-OR-4111': 'Die Liefernummer fehlt.',
  'DEP-ERR-OR-4112': 'Die Liefernummer ist zu lang: höchstens {max} Zeichen ({deliveryNumber}).',
  'DEP-ERR-OR-4113': 'Eine VD-Bestellung darf keine Lieferungen enthalten.',
  'DEP-ERR-OR-4114': 'Ungültige oder fehlende Angaben: {detail}.',
  // Delivery level
  'DEP-ERR-DL-4201': 'Das Versanddatum fehlt.',
  'DEP-ERR-DL-4202': 'Das Versanddatum ist ungültig: {value} (erwartet: YYYY-MM-DDThh:mm:ssZ).',
  'DEP-ERR-DL-4203': 'Das Versanddatum {shipDate} liegt vor dem Bestelldatum {orderDate}.',
  'DEP-ERR-DL-4205': 'Die Geräte-ID fehlt (Gerät {index} der Lieferung {deliveryNumber}).',
  'DEP-ERR-DL-4206': 'Die Geräte-ID ist zu lang: höchstens {max} Zeichen ({deviceId}).',
  'DEP-ERR-DL-4207': 'Die Lieferangaben sind ungültig: {detail}.',
  // Device level
  'DEP-ERR-DE-4301': 'Die Geräte-ID {deviceId} ist ungültig: {detail}.',
  'DEP-ERR-DE-4302':
    'Die Inventarnummer des Geräts {deviceId} ist zu lang: höchstens {max} Zeichen.',
  'DEP-ERR-DE-4303':
    'Das Gerät {deviceId} kann nicht in verschiedenen OR/OV-Bestellungen enthalten sein: Es ist in Bestellung {otherOrder} enthalten.',
  'DEP-ERR-DE-4304': 'Das Gerät {deviceId} ist bei einem anderen Kunden registriert.',
  'DEP-ERR-DE-4305':
    'Das Gerät {deviceId} ist in einer OR/OV-Bestellung eines anderen Resellers enthalten.',
  'DEP-ERR-DE-4306': 'Das Gerät {deviceId} kann nicht gefunden werden{reason}.',
  // show-order-details
  'DEP-ERR-5001': 'Die Bestellnummer ist erforderlich.',
  'DEP-ERR-5002': 'Die Bestellung {orderNumber} wurde nicht gefunden.',
  'DEP-ERR-5003': 'Die Anfrage kann nicht verarbeitet werden. Versuchen Sie es später erneut.',
  'DEP-ERR-5004': 'Die Anfrage kann nicht verarbeitet werden. Versuchen Sie es später erneut.',
  // Platform
  'GRX-1000': 'Der Anfragetext ist kein gültiges JSON: {detail}.',
  'GRX-1056': 'Die Reseller-ID (depResellerId) fehlt.',
  'GRX-5004': 'Datentyp stimmt nicht überein bei {path}: {detail}.',
  'GRX-16001': 'Interner Serverfehler (Referenz {reference}).',
  'GRX-16002': 'Ungültiger Inhaltstyp {contentType}: Senden Sie application/json.',
  'GRX-50001': 'Nicht autorisiert: {detail}.',
  'GRX-50020': 'Ship-To ist erforderlich.',
  'GRX-50022':
    'Die Zeitzone {value} ist ungültig: Geben Sie die Abweichung von UTC in Minuten (z. B. "420") oder eine IANA-ID an.',
  'GRX-50025':
    'Der eingegebene Ship-To-Wert ist ungültig. Bitte geben Sie einen gültigen Ship-To-Wert ein',
  'GRX-50026': 'Ship-To {shipTo} ist nicht mehr aktiv.',
  'GRX-50031': 'Der Sprachcode ist erforderlich.',
  'GRX-50038': 'Das Client-Zertifikat fehlt oder ist ungültig.',
  'GRX-90004': 'Keine Berechtigung, im Namen der Reseller-ID {depResellerId} zu handeln.',
  // Gateway-owned
  'GW-DE-4310':
    'Das Gerät {deviceId} wurde am {releasedOn} von einer Organisation freigegeben und kann nicht erneut über eine Bestellung registriert werden.',
  'GW-DE-4311':
    'Das Gerät {serial} ist nicht bei der Organisation {orgId} registriert (Status: {state}).',
  'GW-DE-4312':
    'Die Rücksendung {orderNumber} ist auf den {returnDate} datiert und liegt damit nicht nach der zurückgegebenen Bestellung {otherOrder} ({orderDate}).',
  'GW-OR-4120':
    'Die Organisation {customerId} hat den Reseller {depResellerId} nicht hinzugefügt: {count} Gerät(e) werden als ausstehend vorgehalten und registriert, sobald dies geschieht.',
  'GW-OR-4121':
    'Die Bestellung {orderNumber} wurde storniert; verwenden Sie eine neue Bestellnummer.',
  'GW-TX-3010':
    'Die Transaktions-ID {transactionId} wurde von diesem Reseller bereits mit einem anderen Anfragetext verwendet.',
  'GW-TX-3011': 'Der Anfragetext ist zu groß: höchstens {max} Byte.',
  'GW-TX-3012': 'Zu viele Bestellnummern in einer Anfrage: {count}, höchstens {max}.',
  // Documents (intake)
  'GW-DOC-6013': 'Ein Steuerzeichen oder Nichtzeichen ({char}), das das Format nicht erlaubt, bei {at}.',
};
