// Reverse time for element j: ḡr_t = −amp·dOut_t + decayRise·ḡr_{t+1}, ḡd_t = amp·dOut_t + decayDecay·ḡd_{t+1},
// dx_t = ḡr_t + ḡd_t. cotRise/cotDecay give the final states' gradients (0 when absent).
fn dualExponBackward(j: u32) {
  let n = params.n;
  var cr = cotRise(j);
  var cd = cotDecay(j);
  for (var k = 0u; k < params.steps; k++) {
    let o = (params.steps - 1u - k) * n + j;
    let g = params.amp * dOut[o];
    let br = cr - g;
    let bd = cd + g;
    dx[o] = br + bd;
    cr = params.decayRise * br;
    cd = params.decayDecay * bd;
  }
  dr0[j] = cr;
  dd0[j] = cd;
}
