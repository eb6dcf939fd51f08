// The API reference: TypeDoc over the public entry points (index.ts, units/index.ts) into docs/api/ (static
// HTML, not committed). Fails, before writing anything, when an exported symbol of the public API has no doc
// comment: every function, class, constant, interface and type alias a user can import, in every namespace
// (nn, optim, data, …). Their members (methods, properties) are documented where they say more than their
// name; the check does not demand it.
//   npm run docs          check and write docs/api/
//   npm run docs:check    check only
import { Application, ReflectionKind } from 'typedoc';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const checkOnly = process.argv.includes('--check');

const app = await Application.bootstrapWithPlugins({ options: 'typedoc.json' });
const project = await app.convert();
if (!project) {
  console.error('docs: TypeDoc could not convert the project (errors above)');
  process.exit(1);
}

const EXPORTED = ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Variable | ReflectionKind.Interface
  | ReflectionKind.TypeAlias | ReflectionKind.Enum;
const missing = [];
function documented(r) {
  if (r.hasComment()) return true;
  // A function's comment sits on its signatures; a const arrow function's on the variable or its signatures.
  const sigs = r.signatures ?? r.type?.declaration?.signatures ?? [];
  return sigs.length > 0 && sigs.every((s) => s.hasComment());
}
function walk(container) {
  for (const child of container.children ?? []) {
    if (child.kindOf(ReflectionKind.Namespace | ReflectionKind.Module)) {
      walk(child);
    } else if (child.kindOf(EXPORTED) && !documented(child)) {
      missing.push(`${child.getFriendlyFullName()} (${ReflectionKind.singularString(child.kind)})`);
    }
  }
}
walk(project);
if (missing.length) {
  console.error(`docs: ${missing.length} exported symbols of the public API have no doc comment:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
if (app.logger.hasErrors()) process.exit(1);
if (checkOnly) {
  console.log('docs: every exported symbol of the public API is documented');
} else {
  const out = app.options.getValue('out');
  await app.generateDocs(project, out);
  if (app.logger.hasErrors()) process.exit(1);
  console.log(`docs: wrote the API reference to ${out}/index.html`);
}
