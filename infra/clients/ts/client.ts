// A partner's TypeScript client of the Regional Data Exchange: the types
// openapi-typescript generates from openapi/openapi.yaml (generated/rdx.ts)
// and openapi-fetch. `make clients-ts` type-checks it with tsc --strict; it
// fails to compile if the contract stops declaring what it requires, or if a
// path, parameter or field used here changes.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/rdx";

type Schemas = components["schemas"];
export type Envelope =
  | Schemas["PopulationAssessmentEnvelope"]
  | Schemas["MarketPositionStatementEnvelope"]
  | Schemas["PoolContributionEnvelope"]
  | Schemas["QuarterlyReturnEnvelope"];
export type Summary =
  | Schemas["PopulationAssessmentSummary"]
  | Schemas["MarketPositionStatementSummary"]
  | Schemas["PoolContributionSummary"]
  | Schemas["QuarterlyReturnSummary"];

// keyOf names a version's key from its kind and key, with no guard: both are
// required, so neither may be typed optional.
export function keyOf(e: Envelope | Summary): string {
  switch (e.kind) {
    case "population-assessments":
      return `${e.kind}/${e.key.areaCode}/${e.key.assessmentYear}`;
    case "market-position-statements":
      return `${e.kind}/${e.key.areaCode}/${e.key.financialYear}`;
    case "pool-contributions":
      return `${e.kind}/${e.key.fundId}/${e.key.financialYear}`;
    case "quarterly-returns":
      return `${e.kind}/${e.key.fundId}/${e.key.quarter}`;
  }
}

// receiptLine is what a finance system files with a version it sent.
export function receiptLine(e: Envelope): string {
  const signed = e.signOff === null ? "not signed off" : `signed off by ${e.signOff.signatory}`;
  return `${keyOf(e)} v${e.version}: receipt ${e.receipt.receiptId} at ${e.receipt.receivedAt}, sha256 ${e.sha256}, ${e.warnings.length} warning(s), ${signed}`;
}

const quarterlyReturn = "/v1/regions/{region}/partners/{partner}/quarterly-returns/{fundId}/{quarter}" as const;

// walkThrough is the README's walk-through: Carmarthenshire PUTs its
// quarterly return, reads it back, lists its versions and what it owes; the
// region's collaboration unit reads the pooled fund position; Carmarthenshire
// reads its fund's report and signs it.
export async function walkThrough(
  baseUrl: string,
  partnerToken: string,
  rcuToken: string,
  body: Schemas["QuarterlyReturnRequest"],
): Promise<string[]> {
  const carm = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${partnerToken}` } });
  const rcu = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${rcuToken}` } });
  const path = { region: "west-wales", partner: "carmarthenshire", fundId: "care-homes-older-people", quarter: "2018-19-Q2" };
  const lines: string[] = [];

  const put = await carm.PUT(quarterlyReturn, {
    params: { path, header: { "Idempotency-Key": "carm-2018-19-q2-1" } },
    body,
  });
  if (put.error) {
    // Every error is a problem naming each failing field.
    throw new Error(`${put.error.status} ${put.error.title}: ${(put.error.errors ?? []).map((f) => f.code).join(", ")}`);
  }
  if ("valid" in put.data) {
    throw new Error("a dry run was not asked for");
  }
  lines.push(`${put.response.status} ${receiptLine(put.data)}`);

  const got = await carm.GET(quarterlyReturn, { params: { path } });
  if (got.error) throw new Error(got.error.title);
  lines.push(`ETag ${got.response.headers.get("ETag")}: ${got.data.document.spend.length} spend line(s), risk ${got.data.document.riskRating}`);

  const versions = await carm.GET(`${quarterlyReturn}/versions`, { params: { path, query: { limit: 10 } } });
  if (versions.error) throw new Error(versions.error.title);
  lines.push(...versions.data.items.map((v) => `version ${v.version} received ${v.receivedAt} by ${v.receivedBy.name ?? v.receivedBy.sub}`));

  const owed = await carm.GET("/v1/regions/{region}/partners/{partner}/obligations", {
    params: { path: { region: path.region, partner: path.partner }, query: { status: "received" } },
  });
  if (owed.error) throw new Error(owed.error.title);
  lines.push(...owed.data.items.map((o) => `${o.kind} ${o.period}: ${o.status}, version ${o.version ?? "none"}, due ${o.dueDate}`));

  const position = await rcu.GET("/v1/regions/{region}/funds/{fundId}/position", {
    params: { path: { region: path.region, fundId: path.fundId }, query: { financialYear: "2018-19" } },
  });
  if (position.error) throw new Error(position.error.title);
  const fund = position.data.totals.fund;
  lines.push(`${position.data.fund} ${position.data.financialYear} as at ${position.data.asAt ?? "no quarter"}: contribution ${fund.contribution}, forecast ${fund.forecastOutturn}, variance ${fund.variance}`);
  for (const p of position.data.partners) {
    lines.push(`${p.partner}: ${p.missing ? "missing" : `return v${p.returnVersion}, contribution v${p.contributionVersion}`}`);
  }

  // The fund's quarterly report, read as a member and signed on the content
  // read: its ETag is the sign-off's If-Match.
  const reportPath = { region: path.region, fundId: path.fundId, quarter: path.quarter };
  const report = await carm.GET("/v1/regions/{region}/funds/{fundId}/reports/{quarter}", { params: { path: reportPath } });
  if (report.error) throw new Error(report.error.title);
  const etag = report.response.headers.get("ETag") ?? "";
  const signed = await carm.POST("/v1/regions/{region}/funds/{fundId}/reports/{quarter}/signoffs", {
    params: { path: reportPath, header: { "If-Match": etag } },
    body: { signatory: "Jane Jones", role: "chief-finance-officer" },
  });
  if (signed.error) throw new Error(`${signed.error.status} ${signed.error.title}`);
  const awaiting = signed.data.requiredSignOffs.filter((q) => !q.signed).map((q) => `${q.partner} ${q.role}`);
  lines.push(`report ${signed.data.quarter} ${signed.data.status} (content ${signed.data.contentSha256}): awaits ${awaiting.join(", ") || "nobody"}`);
  return lines;
}
