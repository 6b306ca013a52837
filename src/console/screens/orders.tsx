import { useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { Choice, Link, PagedTable, usePaged } from '../parts.js';

interface OrderSummary {
  supplierId: string;
  orderNumber: string;
  orgId: string | null;
  kind: string;
  status: string;
  orderDate: string | null;
  poNumber: string | null;
  deviceCount: number;
  deliveryCount: number;
}

export function OrdersScreen() {
  const { t, language } = useUi();
  const [status, setStatus] = useState('');
  const paged = usePaged<OrderSummary>((cursor) => call<Page<OrderSummary>>(`/orders${query({ status, cursor, limit: 50 })}`), [status]);
  return (
    <section>
      <h1>{t('orders.title')}</h1>
      <div class="filters">
        <Choice label={t('common.status')} name="status" value={status} options={['open', 'voided']} onChange={setStatus} />
      </div>
      <PagedTable
        paged={paged}
        columns={[
          { label: t('orders.number'), cell: (o) => <Link to={`/console/devices?orderNumber=${encodeURIComponent(o.orderNumber)}`}>{o.orderNumber}</Link> },
          { label: t('devices.supplier'), cell: (o) => o.supplierId },
          { label: t('devices.organisation'), cell: (o) => o.orgId },
          { label: t('common.status'), cell: (o) => o.status },
          { label: t('orders.date'), cell: (o) => formatDateTime(o.orderDate, language) },
          { label: t('orders.po'), cell: (o) => o.poNumber },
          { label: t('orders.devices'), cell: (o) => o.deviceCount },
          { label: t('orders.deliveries'), cell: (o) => o.deliveryCount },
        ]}
      />
    </section>
  );
}
