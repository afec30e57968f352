// 聊天模拟器: long-polls the room's transcript and posts messages as the chosen member.
// Text is always set with textContent: what people type is never treated as markup.
"use strict";
(function () {
  const root = document.getElementById("sim");
  if (!root) return;
  const csrf = root.dataset.csrf;
  const $ = (id) => document.getElementById(id);
  const roomSel = $("sim-room"), memberSel = $("sim-member"), custom = $("sim-custom");
  const nameInput = $("sim-name"), log = $("sim-log"), form = $("sim-form");
  const input = $("sim-text"), title = $("sim-title"), clock = $("sim-now"), errorBox = $("sim-error");
  let last = 0, generation = 0, controller = null, lastCommunity = "";

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function roomCommunity() {
    const option = roomSel.selectedOptions[0];
    return (option && option.dataset.community) || lastCommunity;
  }

  function me() {
    if (memberSel.value !== "custom") return memberSel.value;
    return "sim-user:" + roomCommunity() + ":" + nameInput.value.trim();
  }

  function roomKey() {
    return roomSel.value === "private:" ? "private:" + me() : roomSel.value;
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  // Only the members of the group's community may speak in it.
  function filterMembers() {
    const community = roomSel.selectedOptions[0].dataset.community;
    if (community) lastCommunity = community;
    let selectedHidden = false;
    for (const option of memberSel.options) {
      option.hidden = option.value !== "custom" && !!community && option.dataset.community !== community;
      if (option.selected && option.hidden) selectedHidden = true;
    }
    if (selectedHidden) {
      const first = Array.from(memberSel.options).find((o) => !o.hidden);
      if (first) memberSel.value = first.value;
    }
    custom.hidden = memberSel.value !== "custom";
    // The box suggests what this person would say: a report, or a party's command.
    const chosen = memberSel.selectedOptions[0];
    if (chosen && chosen.dataset.hint) input.placeholder = chosen.dataset.hint;
  }

  function show(message) {
    const item = document.createElement("li");
    const mine = message.sender === me();
    item.className = message.kind + (mine ? " mine" : "");
    if (message.mentions.some((m) => m.id === me())) item.classList.add("to-me");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = message.name + "  " + message.at;
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    for (const mention of message.mentions) {
      const at = document.createElement("span");
      at.className = "at";
      at.textContent = "@" + mention.name + " ";
      bubble.append(at);
    }
    bubble.append(document.createTextNode(message.text));
    item.append(who, bubble);
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  async function follow(gen, signal, room) {
    while (gen === generation) {
      try {
        const url = "/simulator/api/messages?wait=1&room=" + encodeURIComponent(room) + "&after=" + last;
        const response = await fetch(url, { signal, credentials: "same-origin" });
        const json = (response.headers.get("Content-Type") || "").includes("application/json");
        if (!response.ok || !json) {
          showError(response.redirected || response.status === 403 ? "登录已过期或没有权限，请刷新页面重新登录。" : "连接中断，正在重试……");
          await sleep(3000);
          continue;
        }
        const data = await response.json();
        if (gen !== generation) return;
        showError("");
        clock.textContent = "机器人时间 " + data.now;
        for (const message of data.messages) {
          if (message.index > last) {
            show(message);
            last = message.index;
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        showError("连接中断，正在重试……");
        await sleep(2000);
      }
    }
  }

  function switchRoom() {
    generation += 1;
    if (controller) controller.abort();
    controller = new AbortController();
    filterMembers();
    last = 0;
    log.replaceChildren();
    const option = roomSel.selectedOptions[0];
    title.textContent = option.textContent.trim();
    if (memberSel.value === "custom" && !nameInput.value.trim()) return; // wait for a name
    follow(generation, controller.signal, roomKey());
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const body = {
      room: roomSel.value,
      member: memberSel.value,
      name: nameInput.value.trim(),
      community: roomCommunity(),
      text,
    };
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch("/simulator/api/send", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        input.value = "";
        showError("");
      } else {
        showError((await response.text()) || "发送失败");
      }
    } catch (err) {
      showError("发送失败，请检查网络后重试");
    } finally {
      button.disabled = false;
      input.focus();
    }
  });

  roomSel.addEventListener("change", switchRoom);
  memberSel.addEventListener("change", switchRoom);
  nameInput.addEventListener("change", switchRoom);
  switchRoom();
})();
