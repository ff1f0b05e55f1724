// The approver check every candidate decision starts with (Approve, Exclude, its modal's submission).
import { tellUser, type ActionDeps, type ClickContext } from './reply.js';

/** Approver role check (a refusal is audited by Roles and told to the user); the candidate's profile goes in the audit. */
export async function mayDecide(deps: ActionDeps, click: ClickContext, attempted: string, candidateId: string): Promise<boolean> {
  const check = await approverCheck(deps, click.userId, attempted, candidateId);
  if (check.ok) return true;
  await tellUser(click, check.message, deps.logger);
  return false;
}

/** The same check without telling anyone: for a modal, whose refusal is shown inline. */
export async function approverCheck(deps: ActionDeps, userId: string, attempted: string, candidateId: string) {
  const profileId = await deps.services.reclamation
    .view(candidateId)
    .then((v) => v.profileId)
    .catch(() => null);
  return deps.roles.check(userId, 'approver', attempted, { type: 'candidate', id: candidateId, profileId });
}
