// The person's own profile: the name others see and the picture beside it, changed in one
// request (PATCH /api/auth/me/, a multipart form); this device's notifications; their password;
// signing out on every device; and deleting the account, with its password.
import { askTwice, byId } from "../dom.js";
import { chooseNotifications, notifyChoice, supported as notificationsSupported } from "../notifications.js";
import { state } from "../store.js";

export function mountProfile(actions) {
  const dialog = byId("profile-dialog");
  const form = byId("profile-form");
  const error = byId("profile-error");
  byId("profile").addEventListener("click", () => {
    form.reset();
    form.elements.display_name.value = state.me?.display_name ?? "";
    form.elements.remove_avatar.disabled = !state.me?.avatar;
    error.textContent = "";
    dialog.showModal();
  });
  byId("profile-cancel").addEventListener("click", () => dialog.close());

  const notifyOf = byId("notify-of");
  const notifyStatus = byId("notify-status");
  byId("profile").addEventListener("click", () => {
    notifyOf.value = notifyChoice();
    notifyOf.disabled = !notificationsSupported;
    notifyStatus.textContent = notificationsSupported ? "" : "This browser cannot show notifications.";
  });
  notifyOf.addEventListener("change", async () => {
    try {
      await chooseNotifications(notifyOf.value);
      notifyStatus.textContent = notifyOf.value === "none" ? "Notifications off." : "Notifications on.";
    } catch (failure) {
      notifyOf.value = notifyChoice();
      notifyStatus.textContent = failure.message;
    }
  });

  const changed = byId("password-changed");
  byId("profile").addEventListener("click", () => {
    changed.textContent = "";
  });
  const changePassword = byId("change-password");
  changePassword.addEventListener("click", async () => {
    changePassword.disabled = true;
    changed.textContent = "Changing the password…";
    try {
      await actions.changePassword(form.elements.current_password.value, form.elements.new_password.value);
      form.elements.current_password.value = "";
      form.elements.new_password.value = "";
      changed.textContent = "Password changed. Your other devices and tabs are signed out.";
    } catch (failure) {
      // The field's own words, under the fields they are about.
      const { current_password: current, new_password: next } = failure.data ?? {};
      changed.textContent = [...(current ?? []), ...(next ?? [])].join(" ") || failure.message;
    } finally {
      changePassword.disabled = false;
    }
  });

  const everywhere = byId("sign-out-everywhere");
  everywhere.addEventListener("click", async () => {
    everywhere.disabled = true;
    try {
      await actions.signOutEverywhere();
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      everywhere.disabled = false;
    }
  });

  const remove = byId("delete-account");
  byId("profile").addEventListener("click", () => {
    remove.textContent = "Delete my account";  // a first click made before it closed is taken back
  });
  // Refused (a wrong password), the next attempt takes its two clicks again.
  askTwice(remove, "Delete my account", "Delete it, for good", async () => {
    try {
      await actions.deleteAccount(form.elements.delete_password.value);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = new FormData();
    changes.append("display_name", form.elements.display_name.value);
    const [picture] = form.elements.avatar.files;
    if (picture) changes.append("avatar", picture);
    // An empty value in a form removes the picture.
    else if (form.elements.remove_avatar.checked) changes.append("avatar", "");
    try {
      await actions.updateProfile(changes);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
}
