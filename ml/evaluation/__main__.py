from ml.evaluation.cli import main

main()
