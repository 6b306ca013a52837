import type { ErrorCode } from '../error-codes.js';

// Spanish messages for the error catalogue; codes missing here fall back to English.
export const ES: Partial<Record<ErrorCode, string>> = {
  // Transaction level (bulk-enroll-devices)
  'DEP-ERR-3001': 'Falta el ID de transacción.',
  'DEP-ERR-3002': 'El ID de transacción es demasiado largo: {max} caracteres como máximo.',
  'DEP-ERR-3003': 'Faltan pedidos: una transacción contiene al menos un pedido.',
  'DEP-ERR-3004': 'Falta el número de pedido (pedido {index}).',
  'DEP-ERR-3005':
    'Se ha superado el límite de dispositivos por transacción: {count} dispositivos, {max} como máximo.',
  'DEP-ERR-3006':
    'El número de pedido es demasiado largo: {max} caracteres como máximo ({orderNumber}).',
  'DEP-ERR-3007':
    'Se ha superado el límite de pedidos por transacción: {count} pedidos, {max} como máximo.',
  // check-transaction-status
  'DEP-ERR-4001': 'Falta el ID de la transacción de inscripción de dispositivos.',
  'DEP-ERR-4002':
    'El ID de la transacción de inscripción de dispositivos es demasiado largo: {max} caracteres como máximo.',
  'DEP-ERR-4003': 'La transacción aún se está procesando. Inténtelo de nuevo más tarde.',
  'DEP-ERR-4004': 'El ID de la transacción de inscripción de dispositivos no es válido: {id}.',
  'DEP-ERR-4005': 'No se puede procesar la solicitud. Inténtelo de nuevo más tarde.',
  // Order level
  'DEP-ERR-OR-4101': 'Falta el ID de cliente.',
  'DEP-ERR-OR-4102': 'El ID de cliente no es válido: no existe la organización {customerId}.',
  'DEP-ERR-OR-4103': 'El ID de cliente es demasiado largo: {max} caracteres como máximo.',
  'DEP-ERR-OR-4104': 'Falta la fecha del pedido.',
  'DEP-ERR-OR-4105':
    'La fecha del pedido no es válida: {value} (formato esperado: YYYY-MM-DDThh:mm:ssZ).',
  'DEP-ERR-OR-4106': 'Falta el tipo de pedido.',
  'DEP-ERR-OR-4107':
    'El tipo de pedido no es válido: {value} (valores esperados: OR, RE, VD u OV).',
  'DEP-ERR-OR-4108':
    'El número de orden de compra (PO) es demasiado largo: {max} caracteres como máximo.',
  'DEP-ERR-OR-4109': 'El pedido {orderNumber} no se ha encontrado{reason}.',
  'DEP-ERR-OR-4110':
    'El pedido {orderNumber} ya existe con un valor distinto en {field}; corríjalo con un pedido OV o VD.',
  'DEP-ERR-OR-4111': 'Falta el número de entrega.',
  'DEP-ERR-OR-4112':
    'El número de entrega es demasiado largo: {max} caracteres como máximo ({deliveryNumber}).',
  'DEP-ERR-OR-4113': 'Un pedido VD no debe incluir entregas.',
  'DEP-ERR-OR-4114': 'Información no válida o incompleta: {detail}.',
  // Delivery level
  'DEP-ERR-DL-4201': 'Falta la fecha de envío.',
  'DEP-ERR-DL-4202':
    'La fecha de envío no es válida: {value} (formato esperado: YYYY-MM-DDThh:mm:ssZ).',
  'DEP-ERR-DL-4203':
    'La fecha de envío {shipDate} es anterior a la fecha del pedido {orderDate}.',
  'DEP-ERR-DL-4205':
    'Falta el ID de dispositivo (dispositivo {index} de la entrega {deliveryNumber}).',
  'DEP-ERR-DL-4206':
    'El ID de dispositivo es demasiado largo: {max} caracteres como máximo ({deviceId}).',
  'DEP-ERR-DL-4207': 'La información de entrega no es válida: {detail}.',
  // Device level
  'DEP-ERR-DE-4301': 'El ID de dispositivo {deviceId} no es válido: {detail}.',
  'DEP-ERR-DE-4302':
    'La etiqueta de inventario del dispositivo {deviceId} es demasiado larga: {max} caracteres como máximo.',
  'DEP-ERR-DE-4303':
    'El dispositivo {deviceId} no puede figurar en pedidos OR/OV distintos: figura en el pedido {otherOrder}.',
  'DEP-ERR-DE-4304': 'El dispositivo {deviceId} está inscrito a nombre de otro cliente.',
  'DEP-ERR-DE-4305': 'El dispositivo {deviceId} figura en un pedido OR/OV de otro revendedor.',
  'DEP-ERR-DE-4306': 'El dispositivo {deviceId} no se puede localizar{reason}.',
  // show-order-details
  'DEP-ERR-5001': 'El número de pedido es obligatorio.',
  'DEP-ERR-5002': 'No se ha encontrado el pedido {orderNumber}.',
  'DEP-ERR-5003': 'No se puede procesar la solicitud. Inténtelo de nuevo más tarde.',
  'DEP-ERR-5004': 'No se puede procesar la solicitud. Inténtelo de nuevo más tarde.',
  // Platform
  'GRX-1000': 'El cuerpo de la solicitud no es un JSON válido: {detail}.',
  'GRX-1056': 'Falta el ID de revendedor (depResellerId).',
  'GRX-5004': 'Discrepancia de tipo de datos en {path}: {detail}.',
  'GRX-16001': 'Error interno del servidor (referencia {reference}).',
  'GRX-16002': 'Tipo de contenido no válido {contentType}: envíe application/json.',
  'GRX-50001': 'No autorizado: {detail}.',
  'GRX-50020': 'El Ship-To es obligatorio.',
  'GRX-50022':
    'La zona horaria {value} no es válida: indique los minutos de diferencia con UTC (p. ej., "420") o un identificador IANA.',
  'GRX-50025': 'El Ship-To introducido no es válido. Introduzca un Ship-To válido',
  'GRX-50026': 'El Ship-To {shipTo} ya no está activo.',
  'GRX-50031': 'El código de idioma es obligatorio.',
  'GRX-50038': 'Falta el certificado de cliente o no es válido.',
  'GRX-90004': 'No tiene permiso para actuar en nombre del ID de revendedor {depResellerId}.',
  // Gateway-owned
  'GW-DE-4310':
    'El dispositivo {deviceId} fue liberado por una organización el {releasedOn} y no se puede volver a inscribir mediante un pedido.',
  'GW-DE-4311':
    'El dispositivo {serial} no está inscrito en la organización {orgId} (estado: {state}).',
  'GW-DE-4312':
    'La devolución {orderNumber} tiene fecha {returnDate}, que no es posterior a la del pedido {otherOrder} ({orderDate}) que devuelve.',
  'GW-OR-4120':
    'La organización {customerId} no ha añadido al revendedor {depResellerId}: {count} dispositivo(s) quedan pendientes y se inscribirán cuando lo haga.',
  'GW-OR-4121': 'El pedido {orderNumber} se anuló; utilice un nuevo número de pedido.',
  'GW-TX-3010':
    'Este revendedor ya utilizó el ID de transacción {transactionId} con un cuerpo de solicitud distinto.',
  'GW-TX-3011': 'El cuerpo de la solicitud es demasiado grande: {max} bytes como máximo.',
  'GW-TX-3012': 'Demasiados números de pedido en una sola solicitud: {count}, {max} como máximo.',
  // Documents (intake)
  'GW-DOC-6013': 'Un carácter de control o no carácter ({char}) que el formato no admite, en {at}.',
};
