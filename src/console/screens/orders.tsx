// Orders: search by order number or PO number, filter by status; an order's page with its
// deliveries and its devices, each pending one with why it waits.
import { useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { Choice, DataTable, ErrorBox, Link, Loading, PagedTable, Pager, SearchForm, TextInput, useLatestAnswer, usePaged } from '../parts.js';

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

interface OrderDevice {
  serial: string;
  deliveryNumber: string;
  family: string | null;
  server: string | null;
  status: string;
  pendingReason?: string;
}

interface OrderDetail extends OrderSummary {
  deliveries: { deliveryNumber: string; shipDate: string | null }[];
  devices: Page<OrderDevice>;
}

export function orderPath(o: { supplierId: string; orderNumber: string }): string {
  return `/console/orders/${encodeURIComponent(o.supplierId)}/${encodeURIComponent(o.orderNumber)}`;
}

export function OrdersScreen() {
  const { t, language } = useUi();
  const [status, setStatus] = useState('');
  const [orderNumber, setOrderNumber] = useState('');
  const [poNumber, setPoNumber] = useState('');
  const [search, setSearch] = useState({ orderNumber: '', poNumber: '' });
  const paged = usePaged<OrderSummary>(
    (cursor) => call<Page<OrderSummary>>(`/orders${query({ status, orderNumber: search.orderNumber.trim(), poNumber: search.poNumber.trim(), cursor, limit: 50 })}`),
    [status, search],
  );
  return (
    <section>
      <h1>{t('orders.title')}</h1>
      <SearchForm onSearch={() => setSearch({ orderNumber, poNumber })}>
        <TextInput label={t('orders.number')} name="orderNumber" value={orderNumber} onChange={setOrderNumber} />
        <TextInput label={t('orders.po')} name="poNumber" value={poNumber} onChange={setPoNumber} />
        <Choice label={t('common.status')} name="status" value={status} options={['open', 'voided']} onChange={setStatus} />
        <button type="submit">{t('common.search')}</button>
      </SearchForm>
      <PagedTable
        paged={paged}
        testId="orders"
        columns={[
          { label: t('orders.number'), cell: (o) => <Link to={orderPath(o)}>{o.orderNumber}</Link> },
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

export function OrderScreen({ supplierId, orderNumber }: { supplierId: string; orderNumber: string }) {
  const { t, language } = useUi();
  const [order, setOrder] = useState<OrderDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  useLatestAnswer(
    () => call<OrderDetail>(`/orders/${encodeURIComponent(supplierId)}/${encodeURIComponent(orderNumber)}${query({ cursor, limit: 100 })}`),
    [supplierId, orderNumber, cursor],
    setOrder,
    setError,
  );
  if (error) return <ErrorBox error={error} />;
  if (!order) return <Loading />;
  return (
    <section>
      <h1>
        {order.orderNumber} <small>({order.supplierId})</small>
      </h1>
      <dl class="facts">
        <dt>{t('common.status')}</dt>
        <dd>{order.status}</dd>
        <dt>{t('devices.organisation')}</dt>
        <dd>{order.orgId}</dd>
        <dt>{t('orders.date')}</dt>
        <dd>{formatDateTime(order.orderDate, language)}</dd>
        <dt>{t('orders.po')}</dt>
        <dd>{order.poNumber}</dd>
      </dl>
      <h2>{t('orders.deliveries')}</h2>
      <DataTable
        items={order.deliveries}
        columns={[
          { label: t('orders.delivery'), cell: (d) => d.deliveryNumber },
          { label: t('orders.shipDate'), cell: (d) => formatDateTime(d.shipDate, language) },
        ]}
      />
      <h2>{t('orders.devices')}</h2>
      <DataTable
        items={order.devices.items}
        testId="order-devices"
        columns={[
          { label: 'Serial', cell: (d) => <Link to={`/console/devices/${encodeURIComponent(d.serial)}`}>{d.serial}</Link> },
          { label: t('devices.state'), cell: (d) => <span class={`state state-${d.status}`}>{d.status}</span> },
          { label: t('orders.delivery'), cell: (d) => d.deliveryNumber },
          { label: t('devices.family'), cell: (d) => d.family },
          { label: t('devices.server'), cell: (d) => d.server },
          { label: t('orders.why'), cell: (d) => d.pendingReason ?? '' },
        ]}
      />
      <Pager paged={{ page: order.devices, cursor, next: () => order.devices.nextCursor && setCursor(order.devices.nextCursor), first: () => setCursor(null) }} />
    </section>
  );
}
