// drizzle-kit: `npm run db:generate` writes a migration into drizzle/ from src/store/schema.ts.
// After generating, strip the `"public".` qualifier drizzle-kit puts on foreign-key targets
// (sed -i 's/"public"\.//g' drizzle/*.sql): unqualified names follow search_path, which is how
// tests isolate themselves in a schema of their own. test/store/migrations.test.ts checks it.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
  strict: true,
  verbose: false,
});
