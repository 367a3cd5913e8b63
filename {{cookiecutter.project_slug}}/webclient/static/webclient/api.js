// The REST API with the credential of the project's auth mode. A 401 that the auth module
// cannot recover from (JWT refresh) signs the user out.
import { ApiError, sendJson } from "./http.js";

export function createApi(auth, { onSignedOut }) {
  // The requests on their way, for settled().
  const pending = new Set();

  function request(method, path, body) {
    const answer = requestOnce(method, path, body);
    pending.add(answer);
    answer.then(
      () => pending.delete(answer),
      () => pending.delete(answer),
    );
    return answer;
  }

  async function requestOnce(method, path, body) {
    try {
      return await sendJson(method, path, body, await auth.headers(method));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      if (await auth.recover()) return sendJson(method, path, body, await auth.headers(method));
      onSignedOut("Your session has ended: sign in again.");
      throw error;
    }
  }

  // Once every request now on its way is answered (or has failed).
  async function settled() {
    await Promise.allSettled([...pending]);
  }

  // Every page of a list (`next` links), for lists the client keeps whole; `onPage` sees each
  // page whole (what it says besides its items).
  async function all(path, onPage) {
    const items = [];
    let url = path;
    while (url) {
      const page = await request("GET", url);
      if (Array.isArray(page)) return page;
      onPage?.(page);
      items.push(...page.results);
      url = page.next && relative(page.next);
    }
    return items;
  }

  // XMLHttpRequest rather than fetch: fetch reports no upload progress.
  async function upload(path, file, onProgress) {
    const headers = await auth.headers("POST");
    const form = new FormData();
    form.append("file", file);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", path);
      xhr.setRequestHeader("Accept", "application/json");
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener("load", () => {
        let data = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          // A proxy's HTML error page: the status says enough.
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else reject(new ApiError(xhr.status, data));
      });
      xhr.addEventListener("error", () => reject(new ApiError(0, null)));
      xhr.send(form);
    });
  }

  // Files and avatars need the credential, which an <img src> cannot send in the token modes:
  // fetched once, shown from an object URL.
  const blobs = new Map();
  function blobUrl(path) {
    if (!blobs.has(path)) {
      const pending = (async () => {
        const response = await fetch(path, { headers: await auth.headers("GET"), credentials: "same-origin" });
        if (!response.ok) throw new ApiError(response.status, null);
        return URL.createObjectURL(await response.blob());
      })();
      pending.catch(() => blobs.delete(path));
      blobs.set(path, pending);
    }
    return blobs.get(path);
  }

  function forgetBlobs() {
    for (const pending of blobs.values()) pending.then(URL.revokeObjectURL, () => {});
    blobs.clear();
  }

  return {
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    patch: (path, body) => request("PATCH", path, body),
    delete: (path, body) => request("DELETE", path, body),
    all,
    upload,
    blobUrl,
    forgetBlobs,
    settled,
  };
}

// `next` links are absolute; keep requests on this page's origin whatever the server thinks
// its host is (behind a proxy).
export function relative(url) {
  const parsed = new URL(url, location.href);
  return parsed.pathname + parsed.search;
}
