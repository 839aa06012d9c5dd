/** The GitHub Actions workflow users copy is valid and does what the README says. */
import { validateWorkflow } from "@action-validator/core";
import { readFileSync } from "node:fs";

const source = readFileSync(".github/workflows/ci.yml", "utf8");

test("validates against the GitHub Actions workflow schema", () => {
  const result = validateWorkflow(source);
  expect(result.errors).toEqual([]);
});

test("the validator catches a broken workflow (the check can fail)", () => {
  const broken = source.replace("runs-on: ubuntu-latest", "runs-on: [");
  expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  expect(validateWorkflow("on: push\njobs:\n  x:\n    steps: 3\n").errors.length).toBeGreaterThan(0);
});

test("uses OIDC, posts one updatable plan comment, and gates deploys behind an environment", () => {
  expect(source).toContain("aws-actions/configure-aws-credentials@v4");
  expect(source).toContain("role-to-assume: ${{ vars.AWS_ROLE_ARN }}");
  expect(source).toContain("id-token: write");
  expect(source).toContain("hashicorp/setup-terraform@v3");
  expect(source).toContain("<!-- order-system-plan -->");
  expect(source).toContain("updateComment");
  expect(source).toMatch(/deploy:[\s\S]*environment: production/);
  expect(source).toContain("npm test");
  expect(source).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/);
});

test("the deploy job releases, then smoke-tests, every deployed stack after cdktf deploy, from the outputs it wrote", () => {
  const deploy = source.slice(source.indexOf("  deploy:"));
  const deployed = deploy.indexOf("npx cdktf deploy $STACKS");
  const released = deploy.indexOf("npm run --silent release -- --stack");
  const smoked = deploy.indexOf("npm run --silent smoke -- --stack");
  expect(deployed).toBeGreaterThan(0);
  expect(released).toBeGreaterThan(deployed);
  expect(smoked).toBeGreaterThan(released);
  expect(deploy).toMatch(
    /for stack in \$STACKS; do\s+npm run --silent release -- --stack "\$stack" --outputs-file cdktf-outputs.json/,
  );
  expect(deploy).toContain("--outputs-file cdktf-outputs.json");
  expect(deploy).toMatch(
    /for stack in \$STACKS; do\s+npm run --silent smoke -- --stack "\$stack" --outputs-file cdktf-outputs.json/,
  );
  expect(deploy).toContain("SMOKE_PASSWORD: ${{ secrets.SMOKE_PASSWORD }}");
});

test("the deploy job refuses to run without NOTIFICATION_EMAIL, before anything is deployed (no placeholder address)", () => {
  const deploy = source.slice(source.indexOf("  deploy:"));
  expect(deploy).toContain("TF_VAR_notification_email: ${{ vars.NOTIFICATION_EMAIL }}");
  const check = deploy.indexOf('if [ -z "$TF_VAR_notification_email" ]; then');
  expect(check).toBeGreaterThan(0);
  expect(check).toBeLessThan(deploy.indexOf("npx cdktf deploy"));
  expect(deploy.slice(check, deploy.indexOf("\n          fi", check))).toContain("exit 1");
  expect(deploy).not.toContain("orders-ops@example.com");
});

describe("the mutation-testing workflow", () => {
  const mutation = readFileSync(".github/workflows/mutation.yml", "utf8");

  test("validates, runs weekly and on demand (never on push), and keeps the report", () => {
    expect(validateWorkflow(mutation).errors).toEqual([]);
    expect(mutation).toMatch(/schedule:\s+- cron:/);
    expect(mutation).toContain("workflow_dispatch:");
    expect(mutation).not.toMatch(/^\s*(push|pull_request):/m);
    expect(mutation).toContain("npm run test:mutation");
    expect(mutation).toContain("reports/mutation/");
  });
});
