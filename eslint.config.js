// Lint config. Besides style, it enforces the layering of DESIGN.md §1: a folder may import only
// the folders the design allows, so a wrong dependency is a lint error, not a review comment.
import tseslint from 'typescript-eslint';

const ours = ['model', 'patch', 'c', 'rules', 'sim', 'review', 'report', 'cli', 'app'];
const allowed = {
  model: [],
  patch: [],
  c: [],
  rules: ['c', 'model'],
  sim: ['c', 'model'],
  review: ['patch', 'c', 'rules', 'sim', 'model'],
  report: ['review', 'model'],
  cli: ['review', 'report', 'patch', 'c', 'model'],
  app: ['review', 'report', 'patch', 'model'],
};

const layering = Object.entries(allowed).map(([folder, may]) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: ours
          .filter((other) => other !== folder && !may.includes(other))
          .map((other) => ({
            group: [`../${other}/*`, `../../${other}/*`, `../${other}`, `../../${other}`],
            message: `${folder}/ may not import ${other}/ (DESIGN.md §1).`,
          })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'fixtures/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...layering,
);
