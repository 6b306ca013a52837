import type { ErrorCode } from '../error-codes.js';

// French messages for the error catalogue; codes missing here fall back to English.
export const FR: Partial<Record<ErrorCode, string>> = {
  // Transaction level (bulk-enroll-devices)
  'DEP-ERR-3001': "L'identifiant de transaction est manquant.",
  'DEP-ERR-3002': "L'identifiant de transaction est trop long : {max} caractères au maximum.",
  'DEP-ERR-3003': 'Les commandes sont manquantes : une transaction comporte au moins une commande.',
  'DEP-ERR-3004': 'Le numéro de commande est manquant (commande {index}).',
  'DEP-ERR-3005':
    "Nombre maximal d'appareils par transaction dépassé : {count} appareils, {max} au maximum.",
  'DEP-ERR-3006': 'Le numéro de commande est trop long : {max} caractères au maximum ({orderNumber}).',
  'DEP-ERR-3007':
    'Nombre maximal de commandes par transaction dépassé : {count} commandes, {max} au maximum.',
  // check-transaction-status
  'DEP-ERR-4001': "L'identifiant de la transaction d'inscription des appareils est manquant.",
  'DEP-ERR-4002':
    "L'identifiant de la transaction d'inscription des appareils est trop long : {max} caractères au maximum.",
  'DEP-ERR-4003': 'La transaction est toujours en cours de traitement. Réessayez plus tard.',
  'DEP-ERR-4004': "L'identifiant de la transaction d'inscription des appareils n'est pas valide : {id}.",
  'DEP-ERR-4005': 'Impossible de traiter la requête. Réessayez plus tard.',
  // Order level
  'DEP-ERR-OR-4101': "L'identifiant client est manquant.",
  'DEP-ERR-OR-4102': "L'identifiant client n'est pas valide : aucune organisation {customerId}.",
  'DEP-ERR-OR-4103': "L'identifiant client est trop long : {max} caractères au maximum.",
  'DEP-ERR-OR-4104': 'La date de commande est manquante.',
  'DEP-ERR-OR-4105':
    "La date de commande n'est pas valide : {value} (format attendu : YYYY-MM-DDThh:mm:ssZ).",
  'DEP-ERR-OR-4106': 'Le type de commande est manquant.',
  'DEP-ERR-OR-4107':
    "Le type de commande n'est pas valide : {value} (valeurs attendues : OR, RE, VD ou OV).",
  'DEP-ERR-OR-4108': 'Le numéro de bon de commande (PO) est trop long : {max} caractères au maximum.',
  'DEP-ERR-OR-4109': 'La commande {orderNumber} est introuvable{reason}.',
  'DEP-ERR-OR-4110':
    "La commande {orderNumber} existe déjà avec une valeur différente pour {field} ; corrigez-la au moyen d'une commande OV ou VD.",
  'DEP-ERR-OR-4111': 'Le numéro de livraison est manquant.',
  'DEP-ERR-OR-4112':
    'Le numéro de livraison est trop long : {max} caractères au maximum ({deliveryNumber}).',
  'DEP-ERR-OR-4113': 'Une commande VD ne doit pas comporter de livraisons.',
  'DEP-ERR-OR-4114': 'Informations non valides ou manquantes : {detail}.',
  // Delivery level
  'DEP-ERR-DL-4201': "La date d'expédition est manquante.",
  'DEP-ERR-DL-4202':
    "La date d'expédition n'est pas valide : {value} (format attendu : YYYY-MM-DDThh:mm:ssZ).",
  'DEP-ERR-DL-4203':
    "La date d'expédition {shipDate} est antérieure à la date de commande {orderDate}.",
  'DEP-ERR-DL-4205':
    "L'identifiant d'appareil est manquant (appareil {index} de la livraison {deliveryNumber}).",
  'DEP-ERR-DL-4206':
    "L'identifiant d'appareil est trop long : {max} caractères au maximum ({deviceId}).",
  'DEP-ERR-DL-4207': "Les informations de livraison ne sont pas valides : {detail}.",
  // Device level
  'DEP-ERR-DE-4301': "L'identifiant d'appareil {deviceId} n'est pas valide : {detail}.",
  'DEP-ERR-DE-4302':
    "Le numéro d'inventaire de l'appareil {deviceId} est trop long : {max} caractères au maximum.",
  'DEP-ERR-DE-4303':
    "L'appareil {deviceId} ne peut pas figurer dans des commandes OR/OV différentes : il figure dans la commande {otherOrder}.",
  'DEP-ERR-DE-4304': "L'appareil {deviceId} est inscrit auprès d'un autre client.",
  'DEP-ERR-DE-4305': "L'appareil {deviceId} figure dans une commande OR/OV d'un autre revendeur.",
  'DEP-ERR-DE-4306': "L'appareil {deviceId} est introuvable{reason}.",
  // show-order-details
  'DEP-ERR-5001': 'Le numéro de commande est obligatoire.',
  'DEP-ERR-5002': 'La commande {orderNumber} est introuvable.',
  'DEP-ERR-5003': 'Impossible de traiter la requête. Réessayez plus tard.',
  'DEP-ERR-5004': 'Impossible de traiter la requête. Réessayez plus tard.',
  // Platform
  'GRX-1000': "Le corps de la requête n'est pas un JSON valide : {detail}.",
  'GRX-1056': "L'identifiant revendeur (depResellerId) est manquant.",
  'GRX-5004': "Type de données incompatible à l'emplacement {path} : {detail}.",
  'GRX-16001': 'Erreur interne du serveur (référence {reference}).',
  'GRX-16002': 'Type de contenu non valide {contentType} : envoyez application/json.',
  'GRX-50001': 'Non autorisé : {detail}.',
  'GRX-50020': 'Le Ship-To est obligatoire.',
  'GRX-50022':
    "Le fuseau horaire {value} n'est pas valide : indiquez le décalage en minutes par rapport à UTC (par ex. \"420\") ou un identifiant IANA.",
  'GRX-50025': "Le Ship-To saisi n'est pas valide. Veuillez saisir un Ship-To valide",
  'GRX-50026': "Le Ship-To {shipTo} n'est plus actif.",
  'GRX-50031': 'Le code de langue est obligatoire.',
  'GRX-50038': 'Le certificat client est manquant ou non valide.',
  'GRX-90004': "Aucune autorisation d'agir pour l'identifiant revendeur {depResellerId}.",
  // Gateway-owned
  'GW-DE-4310':
    "L'appareil {deviceId} a été libéré par une organisation le {releasedOn} et ne peut pas être inscrit à nouveau par une commande.",
  'GW-DE-4311':
    "L'appareil {serial} n'est pas inscrit auprès de l'organisation {orgId} (état : {state}).",
  'GW-DE-4312':
    "Le retour {orderNumber} est daté du {returnDate}, ce qui n'est pas postérieur à la commande {otherOrder} ({orderDate}) qu'il retourne.",
  'GW-OR-4120':
    "L'organisation {customerId} n'a pas ajouté le revendeur {depResellerId} : {count} appareil(s) sont mis en attente et seront inscrits dès qu'elle l'aura fait.",
  'GW-OR-4121': 'La commande {orderNumber} a été annulée ; utilisez un nouveau numéro de commande.',
  'GW-TX-3010':
    "L'identifiant de transaction {transactionId} a déjà été utilisé par ce revendeur avec un corps de requête différent.",
  'GW-TX-3011': 'Le corps de la requête est trop volumineux : {max} octets au maximum.',
  'GW-TX-3012': 'Trop de numéros de commande dans une même requête : {count}, {max} au maximum.',
  // Documents (intake)
  'GW-DOC-6013': "Un caractère de contrôle ou non-caractère ({char}) que le format n'admet pas, à {at}.",
};
