import { decodeGlobalID } from '@pothos/plugin-relay';

/** The database id inside a global ID of the expected type, or null for anything else. */
export function decodeId(globalId: string, typename: string): string | null {
  try {
    const decoded = decodeGlobalID(globalId);
    return decoded.typename === typename && /^[0-9a-f-]{36}$/i.test(decoded.id) ? decoded.id : null;
  } catch {
    return null;
  }
}

/** The database id for scope checks: an empty string (which no scope accepts) when malformed. */
export const scopeId = (globalId: string, typename: string) => decodeId(globalId, typename) ?? '';
