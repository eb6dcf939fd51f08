/** Units: callable values, exact conversions, dimension tracking, parameter reading, environ. */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as u from '../../units/index.js';

describe('units', () => {
  it('units are callable values and convert exactly', () => {
    const tau = u.ms(20);
    expect(tau.to(u.ms)).toBe(20);
    expect(tau.to(u.s)).toBe(0.02);
    expect(u.mV(1).to(u.V)).toBe(0.001);
    expect(String(u.mA(3))).toBe('3 mA');
    expect(u.mA.symbol).toBe('mA');
  });

  it('quantities multiply and divide with dimension tracking', () => {
    const p = u.Hz(5).mul(u.ms(1));
    expect(p.isDimensionless).toBe(true);
    expect(p.toNumber()).toBe(0.005);
    const v = u.ohm(1).mul(u.mA(1)); // R·I is a voltage
    expect(v.to(u.mV)).toBe(1);
    expect(u.nS(2).mul(u.mV(10)).to(u.pA)).toBe(20);
    expect(() => u.ms(1).toNumber()).toThrow('expected a dimensionless quantity, got 1 ms (a time)');
    expect(() => u.ms(1).to(u.mV)).toThrow('Quantity.to: cannot express 1 ms (a time) in mV (a voltage)');
  });

  it('parameters are read in their unit, plain numbers in the documented unit', () => {
    expect(u.readQuantity('LIF', 'tau', u.s(0.02), u.ms)).toBe(20);
    expect(u.readQuantity('LIF', 'tau', 7, u.ms)).toBe(7);
    expect(() => u.readQuantity('LIF', 'tau', u.mV(20), u.ms)).toThrow("LIF: argument 'tau' expected a time (in ms), got 20 mV (a voltage)");
    expect(() => u.readQuantity('LIF', 'tau', u.ms, u.ms)).toThrow("LIF: argument 'tau' expected a quantity such as ms(1), got the unit ms itself");
    expect(() => u.readQuantity('LIF', 'tau', 'x', u.ms)).toThrow("LIF: argument 'tau' expected a number (in ms) or a quantity, got string 'x'");
  });

  it('a dimensionless quantity is accepted wherever a number is', async () => {
    const x = sg.tensor([0.001, 0.01]);
    expect(await x.lt(u.Hz(5).mul(u.ms(1))).array()).toEqual([1, 0]);
    expect(() => x.lt(u.ms(1))).toThrow('expected a dimensionless quantity, got 1 ms (a time)');
  });
});

describe('environ', () => {
  it('dt defaults to 1 ms and a context holds across await', async () => {
    expect(sg.environ.getDtMs()).toBe(1);
    const seen = await sg.environ.context({ dt: u.ms(0.1) }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return sg.environ.getDtMs();
    });
    expect(seen).toBe(0.1);
    expect(sg.environ.getDtMs()).toBe(1);
    expect(() => sg.environ.context({ dt: u.mV(1) }, () => 0)).toThrow("environ: argument 'dt' expected a time (in ms), got 1 mV (a voltage)");
    expect(() => sg.environ.context({ dt: -1 }, () => 0)).toThrow("environ: argument 'dt' expected a positive time, got -1");
  });
});
