// HTTP without credentials of its own: the auth modules use it to sign in, api.js adds the
// credential of the project's auth mode.

export class ApiError extends Error {
  constructor(status, data) {
    super(describe(status, data));
    this.status = status;
    this.data = data;
  }
}

// The API's errors are {"detail"} or {"<field>": ["..."]}: one sentence for the user.
function describe(status, data) {
  if (data && typeof data === "object") {
    if (typeof data.detail === "string") return data.detail;
    for (const [field, problems] of Object.entries(data)) {
      const text = Array.isArray(problems) ? problems.join(" ") : String(problems);
      if (field === "non_field_errors") return text;
      // The field as a person reads it ("new_password": "New password"), not as the API names it.
      const label = field.replaceAll("_", " ");
      return `${label[0].toUpperCase()}${label.slice(1)}: ${text}`;
    }
  }
  return status === 0 ? "The server cannot be reached." : `The server answered ${status}.`;
}

// An answer that asks to be tried again as it is, later: the server cannot be reached, is
// briefly out of service (its database or Redis out of reach), or asks the client to slow down.
const PASSING_STATUSES = new Set([0, 429, 502, 503, 504]);

export function passing(error) {
  return error instanceof ApiError && PASSING_STATUSES.has(error.status);
}

export async function sendJson(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, null);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A sign-out refused as unauthenticated: the credential had ended already.
export function endedAlready(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

export function socketBase() {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}`;
}
