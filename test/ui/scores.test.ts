// Scores an output node reports (Evaluate images / videos, ShapeEval) as the node and the queue
// panel show them: readable rows instead of the JSON text.
import { reportTable } from '../../models/metrics/evaluator/evaluate';
import { formatScore, scoresLine, scoresOf } from '../../ui/src/execution/scores';

describe('scores shown for an output node', () => {
  // the shape of what Evaluate images sends (reportTable) for an FID + IS + ShapeEval run
  const table = [
    { metric: 'FID-shapes', value: 87.67679934, note: '2000 reference vs 144 generated; built-in Shapes classifier features: FID-shapes / FVD-shapes, NOT comparable with ImageNet FID or Kinetics FVD' },
    { metric: 'IS-shapes', value: 5.592552637660134, note: '± 1.4087 over 10 splits' },
    { metric: 'ShapeEval overall', value: 0.06805555555, note: '144 images' },
    { metric: 'ShapeEval color', value: 0.2916666666666667, note: '144 images' },
    { metric: 'not scored', value: null, note: 'precision/recall need k+1 images on each side' },
  ];

  it('takes a metric table row by row, numbers to 4 significant digits, short notes on the row and long ones under it', () => {
    const s = scoresOf({ table, text: ['{"fid":87.67679934}'] })!;
    expect(s.rows).toEqual([
      { label: 'FID-shapes', value: '87.68' },
      { label: 'IS-shapes', value: '5.593  ± 1.4087 over 10 splits' },
      { label: 'ShapeEval overall', value: '0.06806  144 images' },
      { label: 'ShapeEval color', value: '0.2917' }, // the same note as the row before is not repeated
    ]);
    expect(s.notes).toEqual([table[0].note, 'not scored: precision/recall need k+1 images on each side']);
    expect(scoresLine(s)).toBe('FID-shapes 87.68 · IS-shapes 5.593  ± 1.4087 over 10 splits · ShapeEval overall 0.06806  144 images · ShapeEval color 0.2917');
  });

  it('flattens a metrics object when the table is per item (ShapeEval: one row per image)', () => {
    const s = scoresOf({
      table: [{ image: 0, color: true }, { image: 1, color: false }],
      metrics: { images: 144, color: 0.2916666, shape: 0.4652, inceptionScore: { mean: 5.59, std: 1.4 }, note: 'short', perImage: [1, 2, 3], long: 'x'.repeat(60) },
    })!;
    expect(s.rows).toEqual([
      { label: 'images', value: '144' },
      { label: 'color', value: '0.2917' },
      { label: 'shape', value: '0.4652' },
      { label: 'inceptionScore.mean', value: '5.590' },
      { label: 'inceptionScore.std', value: '1.400' },
      { label: 'note', value: 'short' },
    ]);
    expect(s.notes).toEqual(['x'.repeat(60)]);
  });

  it('is null for a node that reports no scores (a plain text output keeps its text)', () => {
    expect(scoresOf({ text: ['finished at step 4/4'] })).toBeNull();
    expect(scoresOf({ images: [] })).toBeNull();
    expect(scoresOf({ metrics: { perImage: [1, 2] } })).toBeNull();
  });

  it('formats numbers for reading: integers as they are, tiny and huge ones in exponent form, none as a dash', () => {
    expect([formatScore(3), formatScore(0.5), formatScore(123.456), formatScore(0.00001234), formatScore(123456.7), formatScore(null), formatScore(NaN), formatScore(true)]).toEqual(['3', '0.5000', '123.5', '1.234e-5', '1.235e+5', '—', 'NaN', 'yes']);
  });

  it('reads what reportTable makes from an evaluation report', () => {
    const report = { domain: 'shapes', note: 'built-in', referenceCount: 10, generatedCount: 8, fid: 12.3456789, k: 3, precision: 0.5, recall: 0.25, notes: [] } as unknown as Parameters<typeof reportTable>[0];
    const s = scoresOf({ table: reportTable(report) })!;
    expect(s.rows.map((r) => r.label)).toEqual(['FID-shapes', 'precision', 'recall']);
    expect(s.rows[0].value).toBe('12.35  10 reference vs 8 generated; built-in');
    expect(s.rows[1].value).toBe('0.5000  k-NN, k=3');
    expect(s.rows[2].value).toBe('0.2500'); // the same note as precision's
  });
});
