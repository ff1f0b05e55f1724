// Entitlements on a real database: validation by field (for the modal's inline errors), audit, and the model's
// unit cost kept current.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../src/services/errors.js';
import { createServices, type Services } from '../../src/services/index.js';
import type { SoftwareModel } from '../../src/store/index.js';
import { createTestContext, type TestContext } from '../support/context.js';

let t: TestContext;
let services: Services;
let model: SoftwareModel;

beforeAll(async () => {
  t = await createTestContext({ now: () => new Date('2026-06-01T12:00:00Z') });
  services = createServices(t.ctx);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  await t.reset();
  const profile = await t.ctx.repos.profiles.create({ vendor: 'salesforce', displayName: 'Acme Salesforce', createdBy: 'test' });
  model = await t.ctx.repos.models.ensure(profile.id, 'SFDC', 'Salesforce');
});

async function invalid(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('invalid');
    return err as ServiceError;
  }
  throw new Error('expected a validation error');
}

describe('entitlements', () => {
  it('names every bad field with its path', async () => {
    const err = await invalid(
      services.entitlements.create('U_ADMIN', {
        modelId: '00000000-0000-4000-8000-000000000000',
        quantity: '12.5',
        unitCost: '-3',
        currency: 'dollars',
        period: 'weekly',
        startDate: '2026-02-30',
        renewalDate: 'next year',
        notes: 'x'.repeat(2001),
      }),
    );
    expect(err.fields.map((f) => f.path)).toEqual(['modelId', 'quantity', 'unitCost', 'currency', 'period', 'startDate', 'renewalDate', 'notes']);
    const cents = await invalid(services.entitlements.create('U_ADMIN', { modelId: model.id, quantity: 1, unitCost: 9.999, period: 'annual' }));
    expect(cents.fields).toEqual([{ path: 'unitCost', message: 'Use at most two decimals' }]);
    const order = await invalid(
      services.entitlements.create('U_ADMIN', { modelId: model.id, quantity: 1, unitCost: 9, period: 'annual', startDate: '2026-06-01', renewalDate: '2026-06-01' }),
    );
    expect(order.fields).toEqual([{ path: 'renewalDate', message: 'The renewal comes after the start date' }]);
    expect(await t.ctx.repos.entitlements.listByModel(model.id)).toEqual([]);
  });

  it('creates, updates and deletes with an audit entry each, keeping the model unit cost current', async () => {
    const monthly = await services.entitlements.create('U_ADMIN', {
      modelId: model.id,
      quantity: '100',
      unitCost: '1,000.00',
      currency: 'usd',
      period: 'Monthly',
      startDate: new Date('2026-01-01T00:00:00Z'),
      renewalDate: '2027-01-01',
      notes: '  Enterprise edition  ',
    });
    expect(monthly).toMatchObject({ quantity: 100, unitCost: 1000, currency: 'USD', period: 'monthly', startDate: '2026-01-01', renewalDate: '2027-01-01', notes: 'Enterprise edition' });
    expect((await t.ctx.repos.models.get(model.id))!).toMatchObject({ unitCost: 12000, currency: 'USD' });

    // 100 × 12,000 + 50 × 6,000 over 150 seats = 10,000 a year each.
    const annual = await services.entitlements.create('U_ADMIN', { modelId: model.id, quantity: 50, unitCost: 6000, period: 'annual' });
    const summary = await services.entitlements.forModel(model.id);
    expect(summary).toMatchObject({ purchased: 150, annualUnitCost: 10000, currency: 'USD' });
    expect((await t.ctx.repos.models.get(model.id))!.unitCost).toBe(10000);

    const updated = await services.entitlements.update('U_ADMIN', annual.id, { quantity: 100, unitCost: 6000, period: 'annual' });
    expect(updated.quantity).toBe(100);
    expect((await t.ctx.repos.models.get(model.id))!.unitCost).toBe(9000);

    await services.entitlements.delete('U_ADMIN', monthly.id);
    expect((await t.ctx.repos.models.get(model.id))!.unitCost).toBe(6000);
    const actions = (await t.ctx.repos.audit.listRecent({ targetType: 'entitlement' })).map((a) => [a.action, a.actor]);
    expect(actions).toEqual([
      ['entitlement.deleted', 'U_ADMIN'],
      ['entitlement.updated', 'U_ADMIN'],
      ['entitlement.created', 'U_ADMIN'],
      ['entitlement.created', 'U_ADMIN'],
    ]);
    const listed = await services.entitlements.listForProfile(model.profileId);
    expect(listed.map((m) => [m.model.name, m.entitlements.length, m.annualUnitCost])).toEqual([['Salesforce', 1, 6000]]);
  });

  it('mixed currencies leave the unit cost unknown rather than wrong', async () => {
    await services.entitlements.create('U_ADMIN', { modelId: model.id, quantity: 1, unitCost: 100, currency: 'USD', period: 'annual' });
    await services.entitlements.create('U_ADMIN', { modelId: model.id, quantity: 1, unitCost: 100, currency: 'EUR', period: 'annual' });
    expect(await services.entitlements.forModel(model.id)).toMatchObject({ annualUnitCost: null, currency: null });
    expect((await t.ctx.repos.models.get(model.id))!.unitCost).toBeNull();
  });

  it('unknown ids are not found', async () => {
    const err = await services.entitlements.delete('U_ADMIN', 'not-an-id').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('not_found');
  });
});
