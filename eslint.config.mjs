// Type-aware lint: a daemon cannot afford floating promises or unhandled switch cases.
// Import boundaries follow STYLE.md: core <- config/identity/store <- service/health/logs
// <- supervisor <- daemon/api <- cli; notify sits beside supervisor (the daemon wires it to the
// event bus), below daemon/api; host (the incident's host snapshot) sits beside service.
import tseslint from "typescript-eslint";

const layers = {
  core: [],
  config: ["core"],
  identity: ["core"],
  store: ["core"],
  host: ["core", "identity", "store"],
  service: ["core", "config", "identity", "store"],
  health: ["core", "config", "identity", "store"],
  logs: ["core", "config", "identity", "store"],
  supervisor: ["core", "config", "identity", "store", "service", "health", "logs", "host"],
  check: ["core", "config", "identity", "store", "service", "logs"],
  notify: ["core", "config", "identity", "store", "logs"],
  daemon: ["core", "config", "identity", "store", "service", "health", "logs", "supervisor", "api", "check", "notify", "host"],
  api: ["core", "config", "identity", "store", "service", "health", "logs", "supervisor", "check", "notify", "host"],
  cli: ["core", "config", "identity", "store", "service", "logs", "api", "check", "daemon", "notify", "host"],
};
const all = Object.keys(layers);
const boundaries = Object.entries(layers).map(([layer, allowed]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: all
          .filter((other) => other !== layer && !allowed.includes(other))
          .map((other) => ({
            group: [`../${other}/*`, `../../${other}/*`],
            message: `src/${layer} may not import src/${other} (see STYLE.md, layout).`,
          })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "web/vendor/**", "**/*.mjs", "bin/**"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      // Tests read JSON from the API and assert on it field by field; typing every answer
      // would repeat src/api/wire.ts without making the assertions stronger.
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-floating-promises": ["error", { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] }] }],
    },
  },
  ...boundaries,
);
