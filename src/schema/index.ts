import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './errors.js';
import '../features/accounts/schema.js';
import '../features/audit/schema.js';
import '../features/sessions/schema.js';
import '../features/two-factor/schema.js';
import '../features/organizations/schema.js';
import '../features/projects/schema.js';
import '../features/invitations/schema.js';
import '../features/api-keys/schema.js';
import '../features/telegram/schema.js';
import '../features/password-reset/schema.js';
import '../features/email-change/schema.js';

export const schema = lexicographicSortSchema(builder.toSchema());
