// Allure 3 configuration for the report `screencap-cert run` generates from each run's
// allure-results: one self-contained HTML file (the awesome plugin's single-file mode), no history.
export default {
  name: 'screencap-cert conformance',
  plugins: {
    awesome: {
      options: {
        reportName: 'screencap-cert conformance',
        singleFile: true,
        reportLanguage: 'en',
        groupBy: ['feature'],
      },
    },
  },
};
