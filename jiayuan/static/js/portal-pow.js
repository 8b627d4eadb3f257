// The portal's proof of work (jiayuan/desk/services/portal_pow.py): when the
// whole portal's hourly ceiling is reached, a form carries a challenge; before
// it is sent, find a nonce such that sha256("<prefix>:<nonce>") starts with
// `bits` zero bits, put it in the form, then send it. Runs in slices so the
// page stays responsive. Without JavaScript the form is sent without a nonce
// and the server answers "try again later".
(function () {
  "use strict";
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Uint32Array(64);

  // The first 32 bits of sha256 of an ASCII message shorter than 56 bytes (one block).
  function firstWord(msg) {
    var i, n = msg.length;
    for (i = 0; i < 16; i++) { W[i] = 0; }
    for (i = 0; i < n; i++) { W[i >> 2] |= msg.charCodeAt(i) << (24 - 8 * (i & 3)); }
    W[n >> 2] |= 0x80 << (24 - 8 * (n & 3));
    W[15] = n * 8;
    for (i = 16; i < 64; i++) {
      var a = W[i - 15], b = W[i - 2];
      var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    var h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (i = 0; i < 64; i++) {
      var S1 = ((h4 >>> 6) | (h4 << 26)) ^ ((h4 >>> 11) | (h4 << 21)) ^ ((h4 >>> 25) | (h4 << 7));
      var ch = (h4 & h5) ^ (~h4 & h6);
      var t1 = (h7 + S1 + ch + K[i] + W[i]) | 0;
      var S0 = ((h0 >>> 2) | (h0 << 30)) ^ ((h0 >>> 13) | (h0 << 19)) ^ ((h0 >>> 22) | (h0 << 10));
      var maj = (h0 & h1) ^ (h0 & h2) ^ (h1 & h2);
      var t2 = (S0 + maj) | 0;
      h7 = h6; h6 = h5; h5 = h4; h4 = (h3 + t1) | 0;
      h3 = h2; h2 = h1; h1 = h0; h0 = (t1 + t2) | 0;
    }
    return (h0 + 0x6a09e667) >>> 0;
  }

  // Calls done(nonce) with the first nonce whose hash has `bits` (1..32) leading zero bits.
  function solve(prefix, bits, done) {
    var head = prefix + ":", n = 0, shift = 32 - bits;
    function slice() {
      for (var end = n + 50000; n < end; n++) {
        if (firstWord(head + n) >>> shift === 0) { done(String(n)); return; }
      }
      setTimeout(slice, 0);
    }
    slice();
  }
  window.jiayuanPow = {solve: solve, firstWord: firstWord};

  document.querySelectorAll("input[name=pow][data-pow-prefix]").forEach(function (input) {
    var form = input.form;
    var nonce = form && form.querySelector("input[name=pow_nonce]");
    var bits = parseInt(input.dataset.powBits, 10);
    if (!nonce || !(bits >= 1 && bits <= 32)) { return; }
    var busy = false;
    form.addEventListener("submit", function (event) {
      if (nonce.value) { return; }
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      var status = form.querySelector(".pow-status");
      if (status) { status.textContent = status.dataset.working; status.hidden = false; }
      var started = performance.now();
      solve(input.dataset.powPrefix, bits, function (found) {
        nonce.value = found;
        form.dataset.powMs = String(Math.round(performance.now() - started));
        form.submit();
      });
    });
  });
})();
