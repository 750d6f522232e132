import { z } from 'zod';
import { PREDEFINED_ROLES } from './roles.js';
import {
  customRolesSchema,
  describeIssues,
  GcpSeedError,
  iamPolicySchema,
  ORGANIZATION_ROLE_NAME,
  PARENT_NAME,
  readJsonFile,
} from './seed.js';

/** Google nests folders at most ten deep under the organization. */
const MAX_FOLDER_DEPTH = 10;

/**
 * Folder display names: letters, digits, spaces, hyphens and underscores, up to 30, starting and ending with a
 * letter or digit (Resource Manager's rule).
 */
const FOLDER_DISPLAY_NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N} _-]{0,28}[\p{L}\p{N}])?$/u;

const folderSeed = z.object({
  name: z.string().regex(/^folders\/[1-9]\d{0,18}$/, 'must be folders/FOLDER_NUMBER'),
  displayName: z.string().regex(FOLDER_DISPLAY_NAME, 'must be 1-30 letters, digits, spaces, hyphens or underscores'),
  /** The organization or another folder. */
  parent: z.string().regex(PARENT_NAME, 'must be organizations/ORGANIZATION_NUMBER or folders/FOLDER_NUMBER'),
  iamPolicy: iamPolicySchema.optional(),
});

/**
 * The resource hierarchy above the projects: one organization and its folders, each with its allow policy.
 * Projects name their parent themselves (`parent` in the project seed). Folders hold no custom roles (Google
 * defines custom roles only at an organization or a project).
 */
export const gcpHierarchySchema = z
  .object({
    organization: z.object({
      name: z.string().regex(/^organizations\/[1-9]\d{0,18}$/, 'must be organizations/ORGANIZATION_NUMBER'),
      /** The organization's primary domain, as Resource Manager shows it, e.g. acme.example. */
      displayName: z.string().min(1),
      iamPolicy: iamPolicySchema.optional(),
      /** Custom roles defined at the organization (organizations/N/roles/R), usable in every policy below it. */
      customRoles: customRolesSchema(
        z.string().regex(ORGANIZATION_ROLE_NAME, 'must be organizations/ORGANIZATION_NUMBER/roles/ROLE'),
      ).optional(),
    }),
    folders: z.array(folderSeed).optional(),
  })
  .superRefine((hierarchy, ctx) => {
    const { organization } = hierarchy;
    const folders = hierarchy.folders ?? [];
    for (const role of Object.keys(organization.customRoles ?? {})) {
      if (!role.startsWith(`${organization.name}/roles/`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['organization', 'customRoles', role],
          message: `is not a role of ${organization.name}`,
        });
      }
    }
    const knownRole = (role: string) => role in PREDEFINED_ROLES || role in (organization.customRoles ?? {});
    const checkRoles = (policy: z.output<typeof iamPolicySchema> | undefined, path: (string | number)[]) =>
      policy?.bindings.forEach((binding, b) => {
        if (knownRole(binding.role)) return;
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'iamPolicy', 'bindings', b, 'role'],
          message: `unknown role ${binding.role}: use a predefined role or one in organization.customRoles`,
        });
      });
    checkRoles(organization.iamPolicy, ['organization']);

    const byName = new Map<string, z.output<typeof folderSeed>>();
    folders.forEach((folder, f) => {
      if (byName.has(folder.name)) {
        ctx.addIssue({ code: 'custom', path: ['folders', f, 'name'], message: `duplicate ${folder.name}` });
      }
      byName.set(folder.name, folder);
      checkRoles(folder.iamPolicy, ['folders', f]);
    });
    const siblings = new Set<string>();
    folders.forEach((folder, f) => {
      // Resource Manager refuses two folders of one name under the same parent.
      const sibling = `${folder.parent}\u0000${folder.displayName}`;
      if (siblings.has(sibling)) {
        ctx.addIssue({
          code: 'custom',
          path: ['folders', f, 'displayName'],
          message: `another folder under ${folder.parent} is named ${folder.displayName}`,
        });
      }
      siblings.add(sibling);
      // Every folder must reach the organization within the depth limit, without a cycle.
      let parent = folder.parent;
      for (let depth = 1; ; depth += 1) {
        if (parent === organization.name) break;
        const above = byName.get(parent);
        if (!above) {
          ctx.addIssue({
            code: 'custom',
            path: ['folders', f, 'parent'],
            message: `${parent} is neither ${organization.name} nor a folder of it`,
          });
          break;
        }
        if (depth >= MAX_FOLDER_DEPTH) {
          ctx.addIssue({
            code: 'custom',
            path: ['folders', f, 'parent'],
            message: `folders nest at most ${MAX_FOLDER_DEPTH} deep (or the parents form a cycle)`,
          });
          break;
        }
        parent = above.parent;
      }
    });
  });

/** The hierarchy as authors write it. */
export type GcpHierarchy = z.input<typeof gcpHierarchySchema>;
export type ValidatedGcpHierarchy = z.output<typeof gcpHierarchySchema>;

/** Validates a hierarchy; the error names each offending field, e.g. `folders[0].parent`. */
export function parseGcpHierarchy(input: unknown, source?: string): ValidatedGcpHierarchy {
  const result = gcpHierarchySchema.safeParse(input);
  if (result.success) return result.data;
  const from = source === undefined ? '' : ` ${source}`;
  throw new GcpSeedError(`Invalid Google Cloud hierarchy${from}: ${describeIssues(result.error)}`);
}

export function loadGcpHierarchy(path: string): GcpHierarchy {
  return parseGcpHierarchy(readJsonFile(path, 'hierarchy'), path);
}
