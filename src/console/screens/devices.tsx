// Devices: search by serial or order, filter by state and family; a device's page with its
// whole history, and its release behind a confirmation that names the serial.
import { useRef, useState } from 'preact/hooks';
import { call, query, type Page } from '../api.js';
import { useUi } from '../ui.js';
import { formatDateTime } from '../i18n.js';
import { ActionOutcome, Choice, ErrorBox, Link, Loading, PagedTable, SearchForm, TextInput, useAction, useLatestAnswer, usePaged } from '../parts.js';

interface DeviceSummary {
  serial: string;
  state: string;
  orgId: string | null;
  supplierId: string | null;
  orderNumber: string | null;
  family: string | null;
  assetTag: string | null;
  server: string | null;
  updatedAt: string;
}

interface DeviceEvent {
  at: string;
  event: string;
  fromState: string | null;
  toState: string;
  orderNumber: string | null;
  document: string | null;
  transaction: string | null;
  actor: string;
  detail: string | null;
}

interface DeviceDetail extends DeviceSummary {
  pendingReason?: string;
  released: { orgId: string; reason: string; releasedAt: string } | null;
  history: Page<DeviceEvent>;
}

/** The API's states and families (GET /v1/devices validates them). */
const STATES = ['enrolled', 'pending', 'returned', 'voided', 'released'];
const FAMILIES = ['iPhone', 'iPad', 'Mac', 'AppleTV', 'AppleWatch', 'AppleVisionPro'];

export function DevicesScreen() {
  const { t, language, session } = useUi();
  const params = new URLSearchParams(location.search);
  const [serial, setSerial] = useState(params.get('serial') ?? '');
  const [orderNumber, setOrderNumber] = useState(params.get('orderNumber') ?? '');
  const [state, setState] = useState(params.get('state') ?? '');
  const [family, setFamily] = useState(params.get('family') ?? '');
  const [server, setServer] = useState(params.get('server') ?? '');
  const [filters, setFilters] = useState({ serial, orderNumber, state, family, server });
  const paged = usePaged<DeviceSummary>(
    (cursor) =>
      call<Page<DeviceSummary>>(
        `/devices${query({ serialPrefix: filters.serial.trim().toUpperCase(), orderNumber: filters.orderNumber.trim(), state: filters.state, family: filters.family, server: filters.server.trim(), cursor, limit: 50 })}`,
      ),
    [filters],
  );
  const search = () => {
    const next = { serial, orderNumber, state, family, server };
    history.replaceState(null, '', `/console/devices${query(next)}`);
    setFilters(next);
  };
  return (
    <section>
      <h1>{t('devices.title')}</h1>
      <SearchForm onSearch={search}>
        <TextInput label={t('devices.serial')} name="serial" value={serial} onChange={setSerial} />
        <TextInput label={t('devices.order')} name="orderNumber" value={orderNumber} onChange={setOrderNumber} />
        <Choice label={t('devices.state')} name="state" value={state} options={STATES} onChange={setState} />
        <Choice label={t('devices.family')} name="family" value={family} options={FAMILIES} onChange={setFamily} />
        <TextInput label={t('devices.server')} name="server" value={server} onChange={setServer} />
        <button type="submit">{t('common.search')}</button>
      </SearchForm>
      {session.role === 'org_admin' ? (
        <p class="downloads">
          <a href="/v1/exports/devices?available=true" download data-testid="export-devices">
            {t('devices.export')}
          </a>
        </p>
      ) : null}
      <PagedTable
        paged={paged}
        columns={[
          { label: 'Serial', cell: (d) => <Link to={`/console/devices/${encodeURIComponent(d.serial)}`}>{d.serial}</Link> },
          { label: t('devices.state'), cell: (d) => <span class={`state state-${d.state}`}>{d.state}</span> },
          { label: t('devices.family'), cell: (d) => d.family },
          { label: t('devices.order'), cell: (d) => d.orderNumber },
          { label: t('devices.organisation'), cell: (d) => d.orgId },
          { label: t('devices.server'), cell: (d) => d.server },
          { label: t('devices.updated'), cell: (d) => formatDateTime(d.updatedAt, language) },
        ]}
      />
    </section>
  );
}

export function DeviceScreen({ serial }: { serial: string }) {
  const { t, language, session } = useUi();
  const [device, setDevice] = useState<DeviceDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(0);
  useLatestAnswer(
    () => {
      setError(null);
      return call<DeviceDetail>(`/devices/${encodeURIComponent(serial)}${query({ limit: 200 })}`);
    },
    [serial, loaded],
    setDevice,
    (e) => {
      setDevice(null);
      setError(e);
    },
  );
  if (error) return <ErrorBox error={error} />;
  if (!device) return <Loading />;
  const mayRelease = (session.role === 'org_admin' || session.role === 'operator') && device.state !== 'released' && device.orgId !== null;
  return (
    <section>
      <h1>
        {device.serial} <span class={`state state-${device.state}`}>{device.state}</span>
      </h1>
      {device.pendingReason ? (
        <p class="pending-reason" data-testid="pending-reason">
          {device.pendingReason}
        </p>
      ) : null}
      {device.released ? (
        <p class="released" data-testid="released">
          {t('device.released', { at: formatDateTime(device.released.releasedAt, language), reason: device.released.reason })}
        </p>
      ) : null}
      <dl class="facts">
        <dt>{t('devices.organisation')}</dt>
        <dd>{device.orgId}</dd>
        <dt>{t('devices.supplier')}</dt>
        <dd>{device.supplierId}</dd>
        <dt>{t('devices.order')}</dt>
        <dd>{device.orderNumber}</dd>
        <dt>{t('devices.family')}</dt>
        <dd>{device.family}</dd>
        <dt>{t('devices.server')}</dt>
        <dd>{device.server}</dd>
        <dt>{t('devices.assetTag')}</dt>
        <dd>{device.assetTag}</dd>
      </dl>
      {mayRelease && device.state === 'enrolled' ? <AssignServer device={device} onAssigned={() => setLoaded((n) => n + 1)} /> : null}
      {mayRelease ? <ReleaseDevice device={device} onReleased={() => setLoaded((n) => n + 1)} /> : null}
      <h2>{t('device.history')}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('device.when')}</th>
            <th scope="col">{t('device.event')}</th>
            <th scope="col">{t('devices.state')}</th>
            <th scope="col">{t('devices.order')}</th>
            <th scope="col">{t('device.source')}</th>
            <th scope="col">{t('device.by')}</th>
          </tr>
        </thead>
        <tbody>
          {device.history.items.map((e) => (
            <tr>
              <td>{formatDateTime(e.at, language)}</td>
              <td>{e.event}</td>
              <td>
                {e.fromState ?? '–'} → {e.toState}
              </td>
              <td>{e.orderNumber}</td>
              <td>{e.document ?? e.transaction}</td>
              <td>{e.actor}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Assigns an enrolled device to a device-management server (POST /v1/devices/assignments, one serial). */
function AssignServer({ device, onAssigned }: { device: DeviceDetail; onAssigned(): void }) {
  const { t, session } = useUi();
  const [server, setServer] = useState(device.server ?? '');
  const action = useAction();
  const assign = (e: Event) => {
    e.preventDefault();
    const name = server.trim();
    void action.run(async () => {
      await call('/devices/assignments', {
        method: 'POST',
        json: { server: name, serials: [device.serial], ...(session.role === 'operator' ? { orgId: device.orgId } : {}) },
      });
      onAssigned();
      return t('device.assigned', { server: name });
    });
  };
  return (
    <form class="filters" onSubmit={assign}>
      <div class="field">
        <label for="assign-server">{t('device.server.label')}</label>
        <input id="assign-server" name="server" required maxLength={100} value={server} onInput={(e) => setServer((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <button type="submit">{t('device.assign')}</button>
      <ActionOutcome action={action} />
    </form>
  );
}

/** The release button and its confirmation: a modal dialog that names the serial and says it is for good. */
function ReleaseDevice({ device, onReleased }: { device: DeviceDetail; onReleased(): void }) {
  const { t, session } = useUi();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(`/devices/${encodeURIComponent(device.serial)}/release`, {
        method: 'POST',
        json: { reason: reason.trim(), ...(session.role === 'operator' ? { orgId: device.orgId } : {}) },
      });
      dialog.current?.close();
      onReleased();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
        {t('device.release')}
      </button>
      <dialog ref={dialog} aria-labelledby="release-title">
        <form onSubmit={confirm}>
          <h2 id="release-title">{t('device.release.title', { serial: device.serial })}</h2>
          <p class="warning">{t('device.release.warning', { serial: device.serial })}</p>
          <label for="release-reason">{t('device.release.reason')}</label>
          <input id="release-reason" required maxLength={200} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
          <ErrorBox error={error} />
          <div class="actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              {t('common.cancel')}
            </button>
            <button type="submit" class="danger" disabled={busy}>
              {t('device.release.confirm', { serial: device.serial })}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
