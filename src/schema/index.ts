import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './errors.js';
import '../features/accounts/schema.js';
import '../features/sessions/schema.js';
import '../features/two-factor/schema.js';
import '../features/password-reset/schema.js';
import '../features/email-change/schema.js';

export const schema = lexicographicSortSchema(builder.toSchema());
