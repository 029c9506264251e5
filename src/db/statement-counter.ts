// Wraps a driver adapter factory so that every SQL statement the Prisma client sends is reported:
// each queryRaw and executeRaw, and the BEGIN and COMMIT/ROLLBACK of each transaction. The
// benchmark and the tests use it to check how many statements a GraphQL request costs.
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from '@prisma/driver-adapter-utils';

export type StatementListener = (sql: string) => void;

function wrapQueryable<T extends SqlDriverAdapter | Transaction>(target: T, onStatement: StatementListener): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      switch (property) {
        case 'queryRaw':
        case 'executeRaw':
          return (query: SqlQuery) => {
            onStatement(query.sql);
            return value.call(object, query) as unknown;
          };
        case 'startTransaction':
          return async (...args: unknown[]) => {
            onStatement('BEGIN');
            return wrapQueryable((await value.apply(object, args)) as Transaction, onStatement);
          };
        case 'commit':
        case 'rollback':
          return (...args: unknown[]) => {
            onStatement(property.toUpperCase());
            return value.apply(object, args) as unknown;
          };
        default:
          return value.bind(object) as unknown;
      }
    },
  });
}

export function countStatements(
  factory: SqlMigrationAwareDriverAdapterFactory,
  onStatement: StatementListener,
): SqlMigrationAwareDriverAdapterFactory {
  return new Proxy(factory, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      if (property === 'connect') {
        return async () => wrapQueryable(await (value as () => Promise<SqlDriverAdapter>).call(object), onStatement);
      }
      return value.bind(object) as unknown;
    },
  });
}
