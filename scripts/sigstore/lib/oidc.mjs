// An unsigned OIDC identity token shaped like the one GitHub Actions issues to a
// workflow run. The mock Fulcio only decodes it (as real Fulcio would after
// checking its signature): `sub` becomes the certificate's identity (SAN URI) and
// `iss` its OIDC-issuer extension.
const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

export function unsignedWorkflowToken({ identity, issuer, now = new Date() }) {
  const iat = Math.floor(now.getTime() / 1000);
  // https://github.com/OWNER/REPO/.github/workflows/FILE@REF
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/(\.github\/workflows\/[^@]+)@(.+)$/.exec(identity);
  const claims = {
    iss: issuer,
    sub: identity,
    aud: 'sigstore',
    iat,
    nbf: iat,
    exp: iat + 600,
    event_name: 'push',
    ...(m && {
      repository: m[1],
      workflow: m[2],
      ref: m[3],
      job_workflow_ref: `${m[1]}/${m[2]}@${m[3]}`,
    }),
  };
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}
