// An organisation admin's overview: its devices by state (each a link to the list), the
// resellers it has added (add one by its reseller number: its pending devices enrol; remove
// one) and its default servers.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { ActionOutcome, ErrorBox, Link, ListTable, Loading, useAction } from '../parts.js';
import { orderPath } from './orders.js';

interface Organisation {
  orgId: string;
  name: string;
  country: string;
  appleCustomerNumbers: string[];
  suppliers: { supplierId: string; name: string; kind: string; linkedAt: string }[];
  defaultServers: Record<string, string>;
  devices: Record<string, number>;
}

interface Me {
  organisation: { orgId: string; name: string } | null;
}

const STATES = ['enrolled', 'pending', 'returned', 'voided', 'released'];

export function OrganisationScreen() {
  const { t, language } = useUi();
  const [org, setOrg] = useState<Organisation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const [resellerId, setResellerId] = useState('');
  const action = useAction();
  useEffect(() => {
    call<Me>('/me')
      .then((me) => {
        if (!me.organisation) throw new Error('invariant: an organisation admin without an organisation');
        return call<Organisation>(`/organisations/${encodeURIComponent(me.organisation.orgId)}`);
      })
      .then(setOrg, setError);
  }, [reloads]);
  if (error) return <ErrorBox error={error} />;
  if (!org) return <Loading />;
  const link = (e: Event) => {
    e.preventDefault();
    const id = resellerId.trim().toUpperCase();
    void action.run(async () => {
      const answer = await call<{ enrolled: number }>(`/organisations/${encodeURIComponent(org.orgId)}/suppliers/${encodeURIComponent(id)}`, { method: 'PUT' });
      setResellerId('');
      setReloads((n) => n + 1);
      return t('org.linked', { reseller: id, enrolled: answer.enrolled });
    });
  };
  const unlink = (supplierId: string) => {
    if (!confirm(t('org.unlink.confirm', { reseller: supplierId }))) return;
    void action.run(async () => {
      await call(`/organisations/${encodeURIComponent(org.orgId)}/suppliers/${encodeURIComponent(supplierId)}`, { method: 'DELETE' });
      setReloads((n) => n + 1);
      return t('org.unlinked', { reseller: supplierId });
    });
  };
  return (
    <section>
      <h1>
        {org.name} ({org.orgId})
      </h1>
      <h2>{t('nav.devices')}</h2>
      <ul class="counts" data-testid="device-counts">
        {STATES.map((s) => (
          <li>
            <Link to={`/console/devices?state=${s}`}>
              <span class={`state state-${s}`}>{s}</span> <strong>{org.devices[s] ?? 0}</strong>
            </Link>
          </li>
        ))}
      </ul>
      <h2>{t('org.resellers')}</h2>
      <ActionOutcome action={action} />
      <ListTable
        items={org.suppliers}
        testId="resellers"
        columns={[
          { label: t('devices.supplier'), cell: (x) => `${x.name} (${x.supplierId})` },
          { label: t('org.linkedAt'), cell: (x) => formatDateTime(x.linkedAt, language) },
          {
            label: t('org.unlink'),
            cell: (x) => (
              <button type="button" aria-label={`${t('org.unlink')} ${x.supplierId}`} onClick={() => unlink(x.supplierId)}>
                {t('org.unlink')}
              </button>
            ),
          },
        ]}
      />
      <form class="filters" onSubmit={link}>
        <label>
          {t('org.resellerNumber')}
          <input name="reseller" required pattern="[A-Za-z0-9]{1,32}" value={resellerId} onInput={(e) => setResellerId((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t('org.link')}</button>
      </form>
      <p class="help">{t('org.link.help')}</p>
      <h2>{t('org.defaultServers')}</h2>
      <dl class="facts" data-testid="default-servers">
        {Object.entries(org.defaultServers).map(([family, server]) => (
          <>
            <dt>{family}</dt>
            <dd>{server}</dd>
          </>
        ))}
      </dl>
      <DefaultServerForm onSet={() => setReloads((n) => n + 1)} />
      <h2>{t('org.recent')}</h2>
      <RecentOrders />
    </section>
  );
}

/** The families a default server is set for (the API's DEVICE_FAMILIES). */
const FAMILIES = ['iPhone', 'iPad', 'Mac', 'AppleTV', 'AppleWatch', 'AppleVisionPro'];

/** Sets (or, with an empty server, clears) the server new devices of a family are assigned to. */
function DefaultServerForm({ onSet }: { onSet(): void }) {
  const { t } = useUi();
  const [family, setFamily] = useState('iPad');
  const [server, setServer] = useState('');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const value = server.trim() === '' ? null : server.trim();
    void action.run(async () => {
      await call(`/default-servers/${encodeURIComponent(family)}`, { method: 'PUT', json: { server: value } });
      onSet();
      return t('org.defaultSet', { family, server: value ?? '–' });
    });
  };
  return (
    <form class="filters" onSubmit={submit} aria-label={t('org.setDefault')}>
      <div class="field">
        <label for="default-family">{t('devices.family')}</label>
        <select id="default-family" value={family} onChange={(e) => setFamily((e.currentTarget as HTMLSelectElement).value)}>
          {FAMILIES.map((f) => (
            <option value={f}>{f}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="default-server">{t('devices.server')}</label>
        <input id="default-server" maxLength={100} value={server} onInput={(e) => setServer((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <button type="submit">{t('org.setDefault')}</button>
      <ActionOutcome action={action} />
    </form>
  );
}

interface RecentOrder {
  supplierId: string;
  orderNumber: string;
  orderDate: string | null;
  poNumber: string | null;
  status: string;
  deviceCount: number;
}

/** The five newest orders, each a link to its page. */
function RecentOrders() {
  const { t, language } = useUi();
  const [orders, setOrders] = useState<RecentOrder[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call<{ items: RecentOrder[] }>('/orders?limit=5').then((r) => setOrders(r.items), setError);
  }, []);
  if (error) return <ErrorBox error={error} />;
  return (
    <ListTable
      items={orders}
      testId="recent-orders"
      columns={[
        { label: t('orders.number'), cell: (o) => <Link to={orderPath(o)}>{o.orderNumber}</Link> },
        { label: t('devices.supplier'), cell: (o) => o.supplierId },
        { label: t('orders.date'), cell: (o) => formatDateTime(o.orderDate, language) },
        { label: t('orders.po'), cell: (o) => o.poNumber },
        { label: t('orders.devices'), cell: (o) => o.deviceCount },
      ]}
    />
  );
}
