// Software entitlements: what was bought per software model (quantity, unit cost, period, renewal), which
// reconciliation sets against the seats in use. Validation names each bad field for inline modal errors.
import type { FieldError } from '../connectors/registry.js';
import { reconcile, type EntitlementPeriod } from '../domain/reconciliation.js';
import {
  createRepositories,
  ENTITLEMENT_PERIODS,
  type Entitlement,
  type EntitlementInput,
  type Repositories,
  type SoftwareModel,
} from '../store/index.js';
import type { ServiceContext } from './context.js';
import { notFound, ServiceError } from './errors.js';

/** What a form sends: numbers may arrive as text, dates as YYYY-MM-DD. */
export interface EntitlementFields {
  modelId: string;
  quantity: number | string;
  /** Price of one seat for one period. */
  unitCost: number | string;
  /** ISO 4217 code; default USD. */
  currency?: string | null;
  period: EntitlementPeriod | string;
  startDate?: string | Date | null;
  renewalDate?: string | Date | null;
  notes?: string | null;
}

export interface ModelEntitlements {
  model: SoftwareModel;
  entitlements: Entitlement[];
  /** Quantity-weighted annual cost of one seat; null when unknown (no entitlement, mixed currencies). */
  annualUnitCost: number | null;
  currency: string | null;
  purchased: number;
}

const MAX_QUANTITY = 10_000_000;
const MAX_UNIT_COST = 9_999_999_999.99;
const MAX_NOTES = 2000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export class EntitlementService {
  constructor(private readonly ctx: ServiceContext) {}

  private get repos(): Repositories {
    return this.ctx.repos;
  }

  async get(id: string): Promise<Entitlement> {
    const row = await this.repos.entitlements.get(id);
    if (!row) throw notFound('The entitlement');
    return row;
  }

  /** The profile's models, each with its entitlements and unit cost, by model name. */
  async listForProfile(profileId: string): Promise<ModelEntitlements[]> {
    const [models, entitlements] = await Promise.all([this.repos.models.list(profileId), this.repos.entitlements.listByProfile(profileId)]);
    return models.map((model) => summarize(model, entitlements.filter((e) => e.modelId === model.id), this.ctx.now()));
  }

  async forModel(modelId: string): Promise<ModelEntitlements> {
    const model = await this.repos.models.get(modelId);
    if (!model) throw notFound('The software model');
    return summarize(model, await this.repos.entitlements.listByModel(modelId), this.ctx.now());
  }

  async create(actor: string, fields: EntitlementFields): Promise<Entitlement> {
    const input = await this.check(fields);
    const row = await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const created = await repos.entitlements.create(input);
      await this.afterChange(repos, actor, 'entitlement.created', created.modelId, created.id, describe(created));
      return created;
    });
    return row;
  }

  /** Replaces the editable fields; the model cannot change (delete and create instead). */
  async update(actor: string, id: string, fields: Omit<EntitlementFields, 'modelId'>): Promise<Entitlement> {
    const current = await this.get(id);
    const input = await this.check({ ...fields, modelId: current.modelId });
    const row = await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const { modelId: _model, ...patch } = input;
      const updated = await repos.entitlements.update(id, patch);
      if (!updated) throw notFound('The entitlement');
      await this.afterChange(repos, actor, 'entitlement.updated', updated.modelId, id, { before: describe(current), after: describe(updated) });
      return updated;
    });
    return row;
  }

  async delete(actor: string, id: string): Promise<void> {
    const current = await this.get(id);
    await this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      if (!(await repos.entitlements.delete(id))) throw notFound('The entitlement');
      await this.afterChange(repos, actor, 'entitlement.deleted', current.modelId, id, describe(current));
    });
  }

  /** Marks a model as free (no license needed: no cost, no compliance position) or paid again. */
  async setModelFree(actor: string, modelId: string, isFree: boolean): Promise<SoftwareModel> {
    const model = await this.repos.models.get(modelId);
    if (!model) throw notFound('The software model');
    return this.ctx.database.db.transaction(async (tx) => {
      const repos = createRepositories(tx);
      const updated = (await repos.models.update(modelId, { isFree }))!;
      await repos.audit.append({ actor, action: 'model.updated', targetType: 'model', targetId: modelId, profileId: model.profileId, details: { isFree } });
      await this.refreshModelCost(repos, updated);
      return (await repos.models.get(modelId))!;
    });
  }

  private async afterChange(repos: Repositories, actor: string, action: string, modelId: string, entitlementId: string, details: Record<string, unknown>): Promise<void> {
    const model = await repos.models.get(modelId);
    await repos.audit.append({ actor, action, targetType: 'entitlement', targetId: entitlementId, profileId: model?.profileId ?? null, details: { modelId, ...details } });
    if (model) await this.refreshModelCost(repos, model);
  }

  /** The model row keeps its current annual unit cost, so lists can show it without recomputing. */
  private async refreshModelCost(repos: Repositories, model: SoftwareModel): Promise<void> {
    const summary = summarize(model, await repos.entitlements.listByModel(model.id), this.ctx.now());
    await repos.models.update(model.id, { unitCost: summary.annualUnitCost, currency: summary.currency });
  }

  private async check(f: EntitlementFields): Promise<EntitlementInput> {
    const errors: FieldError[] = [];
    const model = typeof f.modelId === 'string' ? await this.repos.models.get(f.modelId) : null;
    if (!model) errors.push({ path: 'modelId', message: 'Choose a software model' });

    const quantity = toNumber(f.quantity);
    if (quantity === null || !Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
      errors.push({ path: 'quantity', message: `Enter a whole number of seats between 0 and ${MAX_QUANTITY.toLocaleString('en-US')}` });
    }
    const unitCost = toNumber(f.unitCost);
    if (unitCost === null || unitCost < 0 || unitCost > MAX_UNIT_COST) errors.push({ path: 'unitCost', message: 'Enter the price of one seat, 0 or more' });
    else if (Math.abs(unitCost * 100 - Math.round(unitCost * 100)) > 1e-6) errors.push({ path: 'unitCost', message: 'Use at most two decimals' });

    const currency = (f.currency ?? '').toString().trim().toUpperCase() || 'USD';
    if (!/^[A-Z]{3}$/.test(currency)) errors.push({ path: 'currency', message: 'Enter a three-letter currency code such as USD or EUR' });

    const period = String(f.period ?? '').trim().toLowerCase();
    if (!(ENTITLEMENT_PERIODS as readonly string[]).includes(period)) errors.push({ path: 'period', message: 'Choose monthly or annual' });

    const startDate = toDay(f.startDate);
    if (startDate === undefined) errors.push({ path: 'startDate', message: 'Enter a date as YYYY-MM-DD' });
    const renewalDate = toDay(f.renewalDate);
    if (renewalDate === undefined) errors.push({ path: 'renewalDate', message: 'Enter a date as YYYY-MM-DD' });
    if (startDate && renewalDate && renewalDate <= startDate) errors.push({ path: 'renewalDate', message: 'The renewal comes after the start date' });

    const notes = f.notes?.trim() || null;
    if (notes && notes.length > MAX_NOTES) errors.push({ path: 'notes', message: `At most ${MAX_NOTES} characters` });

    if (errors.length > 0) throw new ServiceError('invalid', errors.map((e) => e.message).join('; '), errors);
    return {
      modelId: model!.id,
      quantity: quantity!,
      unitCost: unitCost!,
      currency,
      period: period as EntitlementPeriod,
      startDate: startDate ?? null,
      renewalDate: renewalDate ?? null,
      notes,
    };
  }
}

function toNumber(v: number | string | null | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const t = v.trim().replace(/[\s,]/g, '');
  if (t === '' || !/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

/** YYYY-MM-DD, null when blank, undefined when not a real date. */
function toDay(v: string | Date | null | undefined): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().slice(0, 10);
  const t = v.trim();
  if (t === '') return null;
  const m = ISO_DAY.exec(t);
  if (!m) return undefined;
  const d = new Date(`${t}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === t ? t : undefined;
}

function describe(e: Entitlement): Record<string, unknown> {
  return { quantity: e.quantity, unitCost: e.unitCost, currency: e.currency, period: e.period, startDate: e.startDate, renewalDate: e.renewalDate };
}

/** Entitlement rows as the reconciliation maths reads them (renewal dates at midnight UTC). */
export function toDomainEntitlement(e: Entitlement) {
  return {
    id: e.id,
    modelId: e.modelId,
    quantity: e.quantity,
    unitCost: e.unitCost,
    currency: e.currency,
    period: e.period,
    renewalDate: e.renewalDate ? new Date(`${e.renewalDate}T00:00:00Z`) : null,
  };
}

function summarize(model: SoftwareModel, entitlements: Entitlement[], now: Date): ModelEntitlements {
  const [m] = reconcile({
    models: [{ id: model.id, name: model.name, isFree: model.isFree }],
    entitlements: entitlements.map(toDomainEntitlement),
    usage: [],
    reclaimed: [],
    now,
  }).models;
  return {
    model,
    entitlements,
    annualUnitCost: m?.annualUnitCost ?? null,
    currency: m?.currency ?? null,
    purchased: m?.purchased ?? 0,
  };
}
