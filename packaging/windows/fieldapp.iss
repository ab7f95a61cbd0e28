; Inno Setup script: fieldapp for Windows, installed per user (no administrator rights).
;
;   python packaging\build_app.py                       (the frozen folder)
;   iscc /DAppVersion=0.1.0 /DSourceDir=<frozen folder> packaging\windows\fieldapp.iss
;
; Built by .github/workflows/installers.yml on a hosted Windows runner (Inno Setup 6 is
; preinstalled there); it cannot be built on the Linux development machines.
; Installs to %LOCALAPPDATA%\Programs\fieldapp, adds a Start-menu entry, and an
; uninstaller that removes the program but leaves the profile (the user's encrypted
; records) unless the user asks, in which case the keys are shredded first.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\build\dist\fieldapp"
#endif
#define AppId "org.fieldapp.FieldApp"

[Setup]
AppId={{7C1B0D52-3F7E-4D1A-9E55-F1E1DA9A0C13}
AppName=fieldapp
AppVersion={#AppVersion}
AppPublisher=fieldapp
AppPublisherURL=https://fieldapp.org
DefaultDirName={autopf}\fieldapp
DefaultGroupName=fieldapp
DisableProgramGroupPage=yes
; Per user, no UAC prompt: {autopf} becomes %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=fieldapp-{#AppVersion}-setup
OutputDir=..\build
SetupIconFile=fieldapp.ico
UninstallDisplayIcon={app}\fieldapp.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto

[Languages]
Name: "fr"; MessagesFile: "compiler:Languages\French.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
en.RemoveProfile=Also delete your fieldapp profile on this computer?%n%nAll records kept on this computer will be destroyed for good (the encryption keys are shredded first). Records already sent to your coordinator are not affected.%n%nChoose No to keep them (a later install will open them again).
fr.RemoveProfile=Supprimer aussi votre profil fieldapp sur cet ordinateur ?%n%nToutes les fiches gardées sur cet ordinateur seront détruites définitivement (les clés de chiffrement sont d’abord effacées). Les fiches déjà envoyées à votre coordinateur ne sont pas touchées.%n%nChoisissez Non pour les garder (une nouvelle installation les rouvrira).

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\fieldapp"; Filename: "{app}\fieldapp.exe"; AppUserModelID: "{#AppId}"
Name: "{autodesktop}\fieldapp"; Filename: "{app}\fieldapp.exe"; AppUserModelID: "{#AppId}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
Filename: "{app}\fieldapp.exe"; Description: "{cm:LaunchProgram,fieldapp}"; Flags: nowait postinstall skipifsilent

[Code]
// The profile lives in %LOCALAPPDATA%\fieldapp\profile (platformdirs' user data folder).
// It is kept unless the user says otherwise; a silent uninstall always keeps it.
function ProfileDir(): String;
begin
  Result := ExpandConstant('{localappdata}\fieldapp');
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Code: Integer;
begin
  if (CurUninstallStep = usUninstall) and DirExists(ProfileDir()) and not UninstallSilent() then
  begin
    if MsgBox(CustomMessage('RemoveProfile'), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
    begin
      // Shred the keys with the app itself while it is still installed, then delete.
      Exec(ExpandConstant('{app}\fieldapp-cli.exe'), 'panic --yes', '', SW_HIDE,
           ewWaitUntilTerminated, Code);
      DelTree(ProfileDir(), True, True, True);
    end;
  end;
end;
