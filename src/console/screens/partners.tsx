// An operator's organisations and suppliers: who is in the gateway, which resellers each
// organisation has added (add one, which enrols its pending devices), and each reseller's
// Ship-To accounts; an organisation can be added here.
import { useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { ActionOutcome, PagedTable, useAction, usePaged } from '../parts.js';

interface OrganisationItem {
  orgId: string;
  name: string;
  country: string;
  createdAt: string;
  appleCustomerNumbers: string[];
  resellers: string[];
}

interface SupplierItem {
  supplierId: string;
  kind: string;
  name: string;
  createdAt: string;
  shipTos: { shipTo: string; active: boolean }[];
}

export function OrganisationsScreen() {
  const { t, language } = useUi();
  const [reloads, setReloads] = useState(0);
  const action = useAction();
  const [form, setForm] = useState({ orgId: '', name: '', country: '' });
  const [link, setLink] = useState({ orgId: '', supplierId: '' });
  const paged = usePaged<OrganisationItem>((cursor) => call<Page<OrganisationItem>>(`/organisations${query({ cursor, limit: 50 })}`), [reloads]);
  const field = (name: keyof typeof form) => (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
  const add = (e: Event) => {
    e.preventDefault();
    const orgId = form.orgId.trim();
    void action.run(async () => {
      await call('/organisations', { method: 'POST', json: { orgId, name: form.name.trim(), country: form.country.trim().toUpperCase() } });
      setForm({ orgId: '', name: '', country: '' });
      setReloads((n) => n + 1);
      return t('orgs.added', { orgId });
    });
  };
  const addLink = (e: Event) => {
    e.preventDefault();
    const orgId = link.orgId.trim();
    const supplierId = link.supplierId.trim().toUpperCase();
    void action.run(async () => {
      const answer = await call<{ enrolled: number }>(`/organisations/${encodeURIComponent(orgId)}/suppliers/${encodeURIComponent(supplierId)}`, { method: 'PUT' });
      setReloads((n) => n + 1);
      return t('org.linked', { reseller: supplierId, enrolled: answer.enrolled });
    });
  };
  return (
    <section>
      <h1>{t('orgs.title')}</h1>
      <ActionOutcome action={action} />
      <form class="filters" onSubmit={add} aria-label={t('orgs.add')}>
        <div class="field">
          <label for="org-id">{t('orgs.orgId')}</label>
          <input id="org-id" required pattern="[A-Za-z0-9_-]{1,32}" value={form.orgId} onInput={field('orgId')} />
        </div>
        <div class="field">
          <label for="org-name">{t('orgs.name')}</label>
          <input id="org-name" required maxLength={200} value={form.name} onInput={field('name')} />
        </div>
        <div class="field">
          <label for="org-country">{t('orgs.country')}</label>
          <input id="org-country" required pattern="[A-Za-z]{2}" size={3} value={form.country} onInput={field('country')} />
        </div>
        <button type="submit">{t('orgs.add')}</button>
      </form>
      <form class="filters" onSubmit={addLink} aria-label={t('orgs.link')}>
        <div class="field">
          <label for="link-org">{t('orgs.orgId')}</label>
          <input id="link-org" required value={link.orgId} onInput={(e) => setLink({ ...link, orgId: (e.currentTarget as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for="link-reseller">{t('org.resellerNumber')}</label>
          <input id="link-reseller" required value={link.supplierId} onInput={(e) => setLink({ ...link, supplierId: (e.currentTarget as HTMLInputElement).value })} />
        </div>
        <button type="submit">{t('orgs.link')}</button>
      </form>
      <PagedTable
        paged={paged}
        testId="organisations"
        columns={[
          { label: t('orgs.orgId'), cell: (o) => o.orgId },
          { label: t('orgs.name'), cell: (o) => o.name },
          { label: t('orgs.country'), cell: (o) => o.country },
          { label: t('orgs.customerNumbers'), cell: (o) => o.appleCustomerNumbers.join(', ') },
          { label: t('org.resellers'), cell: (o) => o.resellers.join(', ') },
          { label: t('keys.created'), cell: (o) => formatDateTime(o.createdAt, language) },
        ]}
      />
    </section>
  );
}

export function SuppliersScreen() {
  const { t, language } = useUi();
  const paged = usePaged<SupplierItem>((cursor) => call<Page<SupplierItem>>(`/suppliers${query({ cursor, limit: 50 })}`), []);
  return (
    <section>
      <h1>{t('suppliers.title')}</h1>
      <PagedTable
        paged={paged}
        testId="suppliers"
        columns={[
          { label: t('devices.supplier'), cell: (x) => x.supplierId },
          { label: t('orgs.name'), cell: (x) => x.name },
          { label: t('suppliers.kind'), cell: (x) => x.kind },
          { label: t('suppliers.shipTos'), cell: (x) => x.shipTos.map((s) => `${s.shipTo}${s.active ? '' : ` (${t('suppliers.inactive')})`}`).join(', ') },
          { label: t('keys.created'), cell: (x) => formatDateTime(x.createdAt, language) },
        ]}
      />
    </section>
  );
}
