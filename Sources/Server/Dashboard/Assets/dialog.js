// Every destructive action asks first, in the page's own <dialog id="confirm">
// (never window.confirm): focus starts on Cancel, Escape cancels, focus returns after.

export function confirmAction(text, yesLabel = "Confirm") {
  const dialog = document.getElementById("confirm");
  const yes = document.getElementById("confirm-yes");
  const no = document.getElementById("confirm-no");
  document.getElementById("confirm-text").textContent = text;
  yes.textContent = yesLabel;
  const returnTo = document.activeElement;

  return new Promise((resolve) => {
    const finish = (answer) => {
      yes.removeEventListener("click", onYes);
      no.removeEventListener("click", onNo);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      if (returnTo && returnTo.isConnected && typeof returnTo.focus === "function") returnTo.focus();
      resolve(answer);
    };
    const onYes = () => finish(true);
    const onNo = () => finish(false);
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    yes.addEventListener("click", onYes);
    no.addEventListener("click", onNo);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    no.focus();
  });
}
